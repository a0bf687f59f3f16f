"""Paper comes back in: printed forms read from a scan or a phone photo.

Every page the service prints carries four corner marks and a QR code (page_marks.py).
This package reads such pages back, as pure functions over the uploaded bytes:

- `images`: the upload's pages as grayscale pictures, refusing what no scan or photo of a
  form is (bombs, absurd sizes, too many pages, damaged files) with a Danish reason;
- `locate`: per page, the QR (which form, which page, which printed document) and the
  corner marks, and the page straightened into page space at a fixed resolution;
- `read_page`: the fields of one straightened page, compared with the very page that was
  printed (ticks, confirmed printed values, handwriting to review, signatures);
- `reader`: `identify` (which pages these are) and `read_scan` (the record read back).

OpenCV, zxing-cpp and pypdfium2 are imported by these modules only, so reading a Word
or fillable PDF upload never loads them. The service runs them in a bounded worker
(documents.sandbox: `identify_scan`, `read_scan`).
"""
