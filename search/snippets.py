"""Escaped snippets: up to three fragments of the body with every matched word in <mark>.

Matching is by analysed (stemmed) form, so "migrants" marks "migrant" and "migration" where they share
a stem, exactly as the search matched them. All article text is HTML-escaped here; the only markup in
the result is our own ``<mark>``.
"""

from __future__ import annotations

from html import escape

from whoosh import highlight

from indexer.schema import TEXT_ANALYZER

MAX_FRAGMENTS = 3
FRAGMENT_CHARS = 200
SURROUND_CHARS = 70
LEAD_CHARS = 280
# Long bodies: only the beginning is scanned, which keeps snippet time bounded per hit.
SCAN_CHARS = 30_000
ELLIPSIS = "…"


class MarkFormatter(highlight.Formatter):
    """Escapes text and wraps matched tokens in <mark>."""

    def _text(self, text: str) -> str:
        return escape(text, quote=False)

    def format_token(self, text, token, replace=False):
        """Return one matched token, escaped, in <mark>."""
        return f"<mark>{escape(highlight.get_text(text, token, replace), quote=False)}</mark>"

    def format_fragment(self, fragment, replace=False):
        """Return one fragment cut at word boundaries (no ellipses; ``format`` adds them)."""
        text = fragment.text
        first = min((t.startchar for t in fragment.matches if t.startchar is not None),
                    default=fragment.startchar)
        start = fragment.startchar
        if start > 0 and text[start - 1].isalnum():
            space = text.find(" ", start, first)
            start = space + 1 if space != -1 else start
        end = fragment.endchar
        last = max((t.endchar for t in fragment.matches if t.endchar is not None), default=end)
        if end < len(text) and text[end - 1:end + 1].isalnum():
            space = text.rfind(" ", last, end)
            end = space if space != -1 else end
        fragment.startchar, fragment.endchar = start, end
        return super().format_fragment(fragment, replace).strip()

    def format(self, fragments, replace=False):
        """Join fragments with one ellipsis wherever text is left out."""
        out = []
        for f in fragments:
            html = self.format_fragment(f, replace=replace)
            text = f.text
            if f.startchar > 0 and any(c.isalnum() for c in text[:f.startchar]):
                if not out or out[-1] != ELLIPSIS:
                    out.append(ELLIPSIS)
            out.append(html)
            rest = text[f.endchar:]
            if any(c.isalnum() for c in rest):
                out.append(ELLIPSIS)
            else:  # keep the closing punctuation of the text
                out[-1] += escape(rest.rstrip(), quote=False)
        return " ".join(out)


_FORMATTER = MarkFormatter()


def lead_paragraph(body: str, limit: int = LEAD_CHARS) -> str:
    """Return the first paragraph of ``body``, escaped, cut at a word boundary near ``limit``."""
    text = body.strip()
    para = text.split("\n\n", 1)[0].strip() or text
    para = " ".join(para.split())
    if len(para) > limit:
        cut = para.rfind(" ", 0, limit)
        para = para[:cut if cut > limit // 2 else limit].rstrip(" ,.;:") + " " + ELLIPSIS
    return escape(para, quote=False)


def make_snippet(body: str, terms: frozenset[str]) -> str:
    """Return escaped HTML of up to three fragments of ``body`` marking ``terms`` (analysed forms)."""
    if not body:
        return ""
    if terms:
        text = body[:SCAN_CHARS]
        fragmenter = highlight.ContextFragmenter(maxchars=FRAGMENT_CHARS, surround=SURROUND_CHARS)
        html = highlight.highlight(text, terms, TEXT_ANALYZER, fragmenter, _FORMATTER,
                                   top=MAX_FRAGMENTS, order=highlight.FIRST)
        if html:
            return " ".join(html.split())
    return lead_paragraph(body)
