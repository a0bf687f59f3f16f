"""The WordprocessingML names and marks the Word forms share: namespaces, the value and
placeholder styles, the check-box characters and the placeholder texts. The content
controls themselves are drawn by documents/word_cells.py."""
from __future__ import annotations

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
W14_NS = "http://schemas.microsoft.com/office/word/2010/wordml"
W15_NS = "http://schemas.microsoft.com/office/word/2012/wordml"

VALUE_STYLE = "FormValue"
PLACEHOLDER_STYLE = "FormPlaceholder"
CHECKED, UNCHECKED = "\u2612", "\u2610"  # ☒ ☐
PLACEHOLDER_TEXT = "Skriv her"
PLACEHOLDER_DATE = "Vælg dato"
PLACEHOLDER_CHOICE = "Vælg"
DATE_DISPLAY = "%d-%m-%Y"
