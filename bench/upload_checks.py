"""Upload check speed: how long the PDF safety check and the image header check take per file and per MB.

    PYTHONPATH=. .venv/bin/python bench/upload_checks.py [--pages 400] [--rounds 5]

The PDF is written by WeasyPrint (``--pages`` pages of text, then rewritten by qpdf in object streams, the
form where the check inflates every object stream), plus a 10 MB PDF of mostly image data (a stream the check
skips). Images: a 20000 × 20000 PNG bomb and a 2480 × 3508 (A4, 300 dpi) PNG written by Pillow. Prints the
median of ``--rounds`` runs.
"""

from __future__ import annotations

import argparse
import io
import os
import statistics
import subprocess
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from notice_service.domain.evidence_files import content_problem
from notice_service.domain.pdf_safety import inspect_pdf


def _median_ms(run: Callable[[], object], rounds: int) -> float:
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        run()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def _pdfs(pages: int, tmp: Path) -> dict[str, bytes]:
    import weasyprint
    from pypdf import PdfWriter

    paragraph = "<p>Le client paiera à trente jours fin de mois, pénalités au taux légal majoré. </p>" * 30
    html = "".join(f"<h1>Article {n}</h1>{paragraph}" for n in range(pages))
    text = bytes(weasyprint.HTML(string=html).write_pdf())
    (tmp / "text.pdf").write_bytes(text)
    subprocess.run(["qpdf", "--object-streams=generate", str(tmp / "text.pdf"), str(tmp / "objstm.pdf")], check=True)
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    from pypdf.generic import DecodedStreamObject, NameObject

    image = DecodedStreamObject()
    image.set_data(os.urandom(10 * 1024 * 1024))
    image[NameObject("/Type")] = NameObject("/XObject")
    writer._add_object(image)
    out = io.BytesIO()
    writer.write(out)
    return {
        "text": text,
        "text in object streams": (tmp / "objstm.pdf").read_bytes(),
        "10 MB image data": out.getvalue(),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pages", type=int, default=400)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as directory:
        pdfs = _pdfs(args.pages, Path(directory))
    for name, data in pdfs.items():
        ms = _median_ms(lambda data=data: inspect_pdf(data), args.rounds)  # type: ignore[misc]
        mb = len(data) / 1e6
        print(f"PDF {name}: {mb:.2f} MB, {ms:.1f} ms ({mb / (ms / 1000):.0f} MB/s), findings {inspect_pdf(data)}")
    from PIL import Image

    from tests.functional.uploads.bad_files import png_bomb

    scan = io.BytesIO()
    Image.new("L", (2480, 3508), "white").save(scan, format="PNG")
    for name, data in (("PNG bomb 20000 × 20000", png_bomb()), ("PNG A4 300 dpi", scan.getvalue())):
        ms = _median_ms(lambda data=data: content_problem(data, "image/png"), args.rounds)  # type: ignore[misc]
        print(
            f"{name}: {len(data)} bytes, {ms * 1000:.0f} µs, refused: {content_problem(data, 'image/png') is not None}"
        )


if __name__ == "__main__":
    main()
