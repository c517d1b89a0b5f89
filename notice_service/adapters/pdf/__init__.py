"""PDF work: rendering letters (WeasyPrint), extracting their text (PDFium, poppler, pypdf), merging the dossier's
reading copy.
"""
