"""Files that try something, built here: PDFs that would act when opened (pypdf, hand-written bytes, qpdf's
object streams), decompression bombs (valid PNG, JPEG and TIFF headers announcing too many pixels), and clean
files of each type as the controls that make each refusal meaningful."""

from __future__ import annotations

import io
import shutil
import struct
import subprocess
import zlib
from pathlib import Path

from PIL import Image
from pypdf import PdfWriter
from pypdf.generic import ArrayObject, DictionaryObject, NameObject, NumberObject, TextStringObject


def _written(writer: PdfWriter) -> bytes:
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _blank() -> PdfWriter:
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    return writer


def clean_pdf() -> bytes:
    return _written(_blank())


def weasyprint_pdf() -> bytes:
    import weasyprint

    return bytes(weasyprint.HTML(string="<h1>Contrat</h1><p>Le client paiera à 30 jours.</p>").write_pdf())


def javascript_in_names() -> bytes:
    """A document-level script: the catalog's ``/Names /JavaScript`` tree, run by readers when opening."""
    writer = _blank()
    script = DictionaryObject(
        {NameObject("/S"): NameObject("/JavaScript"), NameObject("/JS"): TextStringObject("app.alert('bonjour');")}
    )
    tree = DictionaryObject(
        {NameObject("/Names"): ArrayObject([TextStringObject("ouverture"), writer._add_object(script)])}
    )
    writer._root_object[NameObject("/Names")] = DictionaryObject({NameObject("/JavaScript"): writer._add_object(tree)})
    return _written(writer)


def _with_open_action(action: DictionaryObject) -> bytes:
    writer = _blank()
    writer._root_object[NameObject("/OpenAction")] = writer._add_object(action)
    return _written(writer)


def open_action_javascript() -> bytes:
    return _with_open_action(
        DictionaryObject(
            {NameObject("/S"): NameObject("/JavaScript"), NameObject("/JS"): TextStringObject("app.alert(1)")}
        )
    )


def launch_action() -> bytes:
    return _with_open_action(
        DictionaryObject({NameObject("/S"): NameObject("/Launch"), NameObject("/F"): TextStringObject("calc.exe")})
    )


def embedded_file() -> bytes:
    writer = _blank()
    writer.add_attachment("facture.exe", b"MZ\x90\x00 not really a program")
    return _written(writer)


def file_attachment_annotation() -> bytes:
    writer = _blank()
    annotation = DictionaryObject(
        {
            NameObject("/Type"): NameObject("/Annot"),
            NameObject("/Subtype"): NameObject("/FileAttachment"),
            NameObject("/Rect"): ArrayObject([NumberObject(10), NumberObject(10), NumberObject(30), NumberObject(30)]),
            NameObject("/Contents"): TextStringObject("pièce jointe"),
        }
    )
    writer.pages[0][NameObject("/Annots")] = ArrayObject([writer._add_object(annotation)])
    return _written(writer)


def hex_escaped_javascript() -> bytes:
    """Hand-written: ``/J#61vaScript`` and ``/J#53`` are ``/JavaScript`` and ``/JS`` to every reader."""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R /OpenAction 4 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>",
        b"<< /S /J#61vaScript /J#53 (app.alert\\(1\\)) >>",
    ]
    return hand_written(objects)


def hand_written(objects: list[bytes]) -> bytes:
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def in_object_streams(pdf: bytes, tmp: Path) -> bytes:
    """The same document rewritten by qpdf with its dictionaries compressed in object streams (PDF 1.5)."""
    qpdf = shutil.which("qpdf")
    assert qpdf, "qpdf is in the Makefile's APT_PACKAGES"
    source, target = tmp / "in.pdf", tmp / "out.pdf"
    source.write_bytes(pdf)
    subprocess.run([qpdf, "--object-streams=generate", str(source), str(target)], check=True, timeout=30)
    return target.read_bytes()


def encrypted_pdf() -> bytes:
    writer = _blank()
    writer.encrypt(user_password="", owner_password="owner", algorithm="AES-128")
    return _written(writer)


# Images: real headers announcing too many pixels.


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png_bomb(width: int = 20_000, height: int = 20_000) -> bytes:
    """A valid 1-bit greyscale PNG of ``width`` × ``height`` white pixels: some kilobytes for 400 million pixels."""
    row = b"\x00" + b"\xff" * ((width + 7) // 8)
    compressor = zlib.compressobj(9)
    data = b"".join(compressor.compress(row) for _ in range(height)) + compressor.flush()
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + _png_chunk(b"IHDR", header) + _png_chunk(b"IDAT", data) + _png_chunk(b"IEND", b"")


def jpeg_bomb(width: int = 60_000, height: int = 60_000) -> bytes:
    """A baseline JPEG's headers (SOI, JFIF, SOF0 for one component, SOS) announcing 3.6 billion pixels."""
    app0 = b"\xff\xe0" + struct.pack(">H", 16) + b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
    sof0 = b"\xff\xc0" + struct.pack(">HBHHB", 11, 8, height, width, 1) + b"\x01\x11\x00"
    sos = b"\xff\xda" + struct.pack(">HB", 8, 1) + b"\x01\x00\x00\x3f\x00"
    return b"\xff\xd8" + app0 + sof0 + sos + b"\x00" * 64 + b"\xff\xd9"


def tiff_pages(*sizes: tuple[int, int]) -> bytes:
    """A little-endian TIFF with one directory (page) per size: width, height, 1-bit, one empty strip each."""
    out = bytearray(b"II*\x00" + struct.pack("<I", 8))
    for number, (width, height) in enumerate(sizes):
        entries = [(256, 4, width), (257, 4, height), (258, 3, 1), (259, 3, 1), (262, 3, 1), (273, 4, 0), (279, 4, 0)]
        start = len(out)
        following = start + 2 + 12 * len(entries) + 4 if number < len(sizes) - 1 else 0
        out += struct.pack("<H", len(entries))
        out += b"".join(struct.pack("<HHII", tag, kind, 1, value) for tag, kind, value in entries)
        out += struct.pack("<I", following)
    return bytes(out)


def real_image(media: str) -> bytes:
    """A small real image written by Pillow (a scanned page's worth of pixels at low resolution)."""
    out = io.BytesIO()
    Image.new("L", (310, 438), "white").save(out, format=media)  # A4 at 37 dpi; under werkzeug's 500 kB spool
    return out.getvalue()
