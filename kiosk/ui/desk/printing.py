"""Printing at the desk (Qt's print support): a guest's receipt and a guest's code, on the
desk's printer (CUPS) or to a PDF file. A thermal receipt printer (80 or 58 mm paper,
setting ``desk_paper_width_mm``) gets a narrow page exactly as long as the slip.

The texts are the guest's (their language, the receipt screen's words); the code slip
carries the code the guest needs, so it is printed, never logged."""

from __future__ import annotations

import html
import logging
from pathlib import Path
from typing import Any

from PySide6.QtCore import QMarginsF, QSizeF
from PySide6.QtGui import QPageLayout, QPageSize, QTextDocument
from PySide6.QtPrintSupport import QPrinter, QPrinterInfo

from kiosk.core.format import date_time, duration, kwh, money, number
from kiosk.i18n import Translator

log = logging.getLogger(__name__)
_ = Translator("ui")

#: millimetres of the slip's margins (thermal printers cannot print to the edge)
MARGIN_MM = 4.0


class PrintError(Exception):
    """The printer is not there or refused the job (the message is for staff)."""


def receipt_rows(r: Any, *, charger: str, tz: Any, lang: str) -> list[tuple[str, str]]:
    """The receipt's lines as (caption, value), in the guest's language ``lang``."""
    number_ = getattr(r, "kiosk_receipt_number", None) or r.receipt_number
    dur = (r.ended_at - r.started_at).total_seconds() if r.started_at and r.ended_at else None
    pct = f" ({number(r.vat_percentage, 0)}%)" if r.vat_percentage is not None else ""
    if getattr(r, "guest_total_incl_vat", None) is not None:
        total = money(r.guest_total_incl_vat, r.guest_currency)
    elif r.total_incl_vat is not None:
        total = money(r.total_incl_vat, r.currency)
    elif r.estimate_incl_vat is not None:
        total = _("about {amount}", amount=money(r.estimate_incl_vat, r.currency), lang=lang)
    else:
        total = "–"
    if getattr(r, "guest_vat", None) is not None:
        gp = getattr(r, "guest_vat_percentage", None)
        vat = money(r.guest_vat, r.guest_currency) + (f" ({number(gp, 0)}%)" if gp is not None else "")
    else:
        vat = money(r.total_vat, r.currency) + pct if r.total_vat is not None else "–"
    rows = [(_("Receipt number", lang=lang), number_ or "–"), (_("Charger", lang=lang), charger),
            (_("Start", lang=lang), date_time(r.started_at, tz)), (_("Energy", lang=lang), kwh(r.energy_kwh)),
            (_("Duration", lang=lang), duration(dur)), (_("Total", lang=lang), total), (_("VAT", lang=lang), vat)]
    if r.tag:
        rows.append((_("Room or plate", lang=lang), r.tag))
    return rows


def receipt_html(r: Any, *, venue: str, charger: str, tz: Any, lang: str) -> str:
    rows = receipt_rows(r, charger=charger, tz=tz, lang=lang)
    note = "" if r.final else _("Not final yet: the charging service has not sent the final costs.", lang=lang)
    return _page(venue, _("Your receipt", lang=lang), rows, note)


def code_html(*, venue: str, charger: str, code: str, tag: str | None, lang: str) -> str:
    rows = [(_("Charger", lang=lang), charger)]
    if tag:
        rows.append((_("Room or plate", lang=lang), tag))
    big = f'<p align="center" style="font-size:28pt; font-weight:bold; letter-spacing:4px">{html.escape(code)}</p>'
    note = _("Keep this code. Type it under \u201cMy session\u201d at the kiosk to see or stop your charging, "
             "or show it at the desk.", lang=lang)
    return _page(venue, _("Your charging code", lang=lang), rows, note, big)


def _page(venue: str, title: str, rows: list[tuple[str, str]], note: str, big: str = "") -> str:
    cells = "".join(f"<tr><td>{html.escape(c)}</td><td align='right'><b>{html.escape(v)}</b></td></tr>"
                    for c, v in rows)
    head = f"<p align='center'><b>{html.escape(venue)}</b></p>" if venue else ""
    return (f"<html><body style='font-family:DejaVu Sans, sans-serif; font-size:10pt'>{head}"
            f"<h3 align='center'>{html.escape(title)}</h3>{big}"
            f"<table width='100%' cellspacing='0' cellpadding='2'>{cells}</table>"
            f"<p>{html.escape(note)}</p></body></html>")


def make_printer(*, pdf: Path | str | None = None, printer_name: str | None = None) -> QPrinter:
    """A printer writing ``pdf``, else the named CUPS queue, else the system's default."""
    p = QPrinter(QPrinter.PrinterMode.HighResolution)
    if pdf is not None:
        p.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
        p.setOutputFileName(str(pdf))
        return p
    name = printer_name or QPrinterInfo.defaultPrinterName()
    if not name or name not in QPrinterInfo.availablePrinterNames():
        raise PrintError(_("No printer is set up on this computer. Print to a PDF file, or ask IT to add the "
                           "desk's printer."))
    p.setPrinterName(name)
    return p


def print_html(doc_html: str, printer: QPrinter, *, paper_width_mm: int = 0) -> None:
    """Lay ``doc_html`` out on ``printer``; a paper width makes one narrow page of the
    slip's length (thermal printer)."""
    doc = QTextDocument()
    doc.setHtml(doc_html)
    if paper_width_mm:
        width_px = (paper_width_mm - 2 * MARGIN_MM) / 25.4 * 96
        doc.setTextWidth(width_px)
        height_mm = doc.size().height() / 96 * 25.4 + 2 * MARGIN_MM + 2
        page = QPageSize(QSizeF(paper_width_mm, height_mm), QPageSize.Unit.Millimeter, "slip",
                         QPageSize.SizeMatchPolicy.ExactMatch)
        printer.setPageLayout(QPageLayout(page, QPageLayout.Orientation.Portrait,
                                          QMarginsF(MARGIN_MM, MARGIN_MM, MARGIN_MM, MARGIN_MM),
                                          QPageLayout.Unit.Millimeter))
    doc.print_(printer)
    if not printer.isValid() and printer.outputFormat() != QPrinter.OutputFormat.PdfFormat:
        raise PrintError(_("The printer did not take the job. Check that it is on and has paper."))
    log.info("desk: printed a %s", "slip" if paper_width_mm else "page")
