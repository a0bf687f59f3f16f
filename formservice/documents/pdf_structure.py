"""The structure tree of the PDF forms (tagged PDF, PDF/UA-1's logical structure).

The layout (pdf_template.py) builds a tree of `Node`s as it places things: the document,
its headings (H1 the form's title, H2 each section, H3 a block or a guidance question),
paragraphs, tables (Table > TR > TH | TD, header cells with their /Scope), the network
map's Figure with its alternative text, and a Form element around every field's widget.
Drawing gives every piece of tagged content a marked-content id on its page; what is only
decoration (cell borders, the header and footer) is drawn as an artifact.

`add_structure` writes the tree into a pypdf writer: the StructTreeRoot with its
ParentTree (page -> the elements of its marked content, widget -> its Form element), the
pages' /StructParents and /Tabs /S (tab order follows the structure), the widgets'
/StructParent, and the catalogue's /MarkInfo.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from pypdf.generic import (ArrayObject, BooleanObject, DictionaryObject, NameObject,
                           NumberObject, TextStringObject)


@dataclass(eq=False)
class Node:
    role: str
    kids: list = field(default_factory=list)  # Node | Marked | Widget
    alt: str | None = None
    scope: str | None = None  # for TH: "Column" or "Row"
    key: str | None = None  # names the nodes the fill finds again ("figure")

    def add(self, role: str, **kwargs) -> "Node":
        node = Node(role, **kwargs)
        self.kids.append(node)
        return node


@dataclass(eq=False)
class Marked:
    """A piece of marked content: page index and its marked-content id there."""
    page: int
    mcid: int


@dataclass(eq=False)
class Widget:
    box: object  # pdf_template.FieldBox


def _name(value: str) -> NameObject:
    return NameObject("/" + value)


def add_structure(writer, document: Node, widget_refs: dict, widget_pages: dict) -> dict:
    """Write the tree under `document` into `writer`; returns the object numbers the fill
    needs: {"root", "parent_tree", "document", "figure", "next_key"}."""
    pages = writer.pages
    page_refs = [page.indirect_reference for page in pages]
    parent_tree: dict[int, object] = {}
    marked_by_page: dict[int, dict[int, object]] = {}
    found = {}

    root = DictionaryObject({NameObject("/Type"): NameObject("/StructTreeRoot")})
    root_ref = writer._add_object(root)
    next_key = len(pages)

    def build(node: Node, parent_ref) -> object:
        nonlocal next_key
        element = DictionaryObject({
            NameObject("/Type"): NameObject("/StructElem"),
            NameObject("/S"): _name(node.role),
            NameObject("/P"): parent_ref,
        })
        ref = writer._add_object(element)
        if node.key:
            found[node.key] = ref.idnum
        if node.alt is not None:
            element[NameObject("/Alt")] = TextStringObject(node.alt)
        if node.scope:
            element[NameObject("/A")] = DictionaryObject({
                NameObject("/O"): NameObject("/Table"), NameObject("/Scope"): _name(node.scope)})
        kids = ArrayObject()
        page_of = None
        for kid in node.kids:
            if isinstance(kid, Node):
                kids.append(build(kid, ref))
            elif isinstance(kid, Marked):
                if page_of is None:
                    page_of = kid.page
                marked_by_page.setdefault(kid.page, {})[kid.mcid] = ref
                if kid.page == page_of:
                    kids.append(NumberObject(kid.mcid))
                else:
                    kids.append(DictionaryObject({
                        NameObject("/Type"): NameObject("/MCR"),
                        NameObject("/Pg"): page_refs[kid.page],
                        NameObject("/MCID"): NumberObject(kid.mcid)}))
            elif isinstance(kid, Widget):
                widget_ref = widget_refs[id(kid.box)]
                page_index = widget_pages[id(kid.box)]
                kids.append(DictionaryObject({
                    NameObject("/Type"): NameObject("/OBJR"),
                    NameObject("/Obj"): widget_ref,
                    NameObject("/Pg"): page_refs[page_index]}))
                widget = widget_ref.get_object()
                widget[NameObject("/StructParent")] = NumberObject(next_key)
                parent_tree[next_key] = ref
                next_key += 1
                if page_of is None:
                    page_of = page_index
        if page_of is not None:
            element[NameObject("/Pg")] = page_refs[page_of]
        element[NameObject("/K")] = kids
        return ref

    document_ref = build(document, root_ref)
    found["document"] = document_ref.idnum
    for index, page in enumerate(pages):
        marks = marked_by_page.get(index, {})
        page[NameObject("/StructParents")] = NumberObject(index)
        page[NameObject("/Tabs")] = NameObject("/S")
        parent_tree[index] = ArrayObject(marks[m] for m in sorted(marks)) if marks else ArrayObject()
    nums = ArrayObject()
    for key in sorted(parent_tree):
        value = parent_tree[key]
        nums.append(NumberObject(key))
        nums.append(writer._add_object(value) if isinstance(value, ArrayObject) else value)
    tree = DictionaryObject({NameObject("/Nums"): nums})
    tree_ref = writer._add_object(tree)
    root[NameObject("/K")] = ArrayObject([document_ref])
    root[NameObject("/ParentTree")] = tree_ref
    root[NameObject("/ParentTreeNextKey")] = NumberObject(next_key)
    root[NameObject("/RoleMap")] = DictionaryObject()
    catalog = writer._root_object
    catalog[NameObject("/StructTreeRoot")] = root_ref
    catalog[NameObject("/MarkInfo")] = DictionaryObject({
        NameObject("/Marked"): BooleanObject(True)})
    found.update(root=root_ref.idnum, parent_tree=tree_ref.idnum, next_key=next_key)
    return found
