"""The shape every message shares: a greeting, an intro, a table of (label, value) rows, an
optional link and a footer, as plain text and as HTML built from the same parts, so the two
bodies cannot drift apart. Every value is escaped in the HTML."""

from __future__ import annotations

from html import escape

# (label, value, struck through)
Row = tuple[str, str, bool]

_LABEL_STYLE = (
    "text-align:left;padding:4px 16px 4px 0;vertical-align:top;color:#666;"
    "font-weight:normal;white-space:nowrap"
)


def one_line(value: str) -> str:
    # Names reach the subject header and table cells: no line breaks, no runs of spaces.
    return " ".join(value.split())


def text_body(
    greeting: str, intro: str, rows: list[Row], link: tuple[str, str] | None, footer: str
) -> str:
    lines = [greeting, "", intro, ""]
    lines += [f"{label}: {value}" for label, value, _ in rows]
    if link is not None:
        lines += ["", f"{link[0]}: {link[1]}"]
    lines += ["", "--", footer]
    return "\n".join(lines) + "\n"


def html_page(
    locale: str,
    subject: str,
    greeting: str,
    intro: str,
    rows: list[Row],
    link: tuple[str, str] | None,
    footer: str,
) -> str:
    cells = []
    for label, value, struck in rows:
        shown = escape(value).replace("\n", "<br>")
        if struck:
            shown = f"<s>{shown}</s>"
        cells.append(
            f'<tr><th scope="row" style="{_LABEL_STYLE}">{escape(label)}</th>'
            f'<td style="padding:4px 0">{shown}</td></tr>'
        )
    action = ""
    if link is not None:
        text, url = link
        action = (
            f'<p><a href="{escape(url, quote=True)}" style="display:inline-block;'
            f"padding:10px 16px;background:#1a56db;color:#fff;text-decoration:none;"
            f'border-radius:6px">{escape(text)}</a></p>'
        )
    return (
        f'<!DOCTYPE html>\n<html lang="{locale}">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{escape(subject)}</title>\n</head>\n"
        '<body style="margin:0;padding:24px;background:#f4f4f5;'
        'font-family:Arial,Helvetica,sans-serif;color:#18181b;line-height:1.5">\n'
        '<div style="max-width:560px;margin:0 auto;background:#fff;padding:24px;'
        'border-radius:8px">\n'
        f"<p>{escape(greeting)}</p>\n<p>{escape(intro)}</p>\n"
        '<table role="presentation" style="border-collapse:collapse">\n'
        + "\n".join(cells)
        + "\n</table>\n"
        + action
        + f'\n<p style="color:#71717a;font-size:12px">{escape(footer)}</p>\n'
        "</div>\n</body>\n</html>\n"
    )
