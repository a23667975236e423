"""The chat page's stylesheet and its few lines of script, as strings for ``assistant.ui``.

The layout is the phone's order in the document (the conversation, then the sources of its answers,
then the controls), so at 480 px and less the sources of the latest answer follow it directly; a
wider screen puts the sources beside the conversation and the controls under it (a CSS grid).
"""

from __future__ import annotations

NARROW_PX = 480  # at this width and less, one column, and a marker opens its card over the page

CSS = f"""
#nd-ask-row {{ display: grid !important; grid-template-columns: minmax(0, 3fr) minmax(0, 2fr);
               grid-template-rows: auto 1fr; grid-template-areas: "chat sources" "controls sources";
               align-items: start; }}
#nd-ask-row > * {{ min-width: 0 !important; width: auto !important; }}
#nd-chat-col {{ grid-area: chat; }}
#nd-sources-col {{ grid-area: sources; }}
#nd-controls {{ grid-area: controls; }}
/* Gradio's block styles set overflow: visible on the component; without !important the cards of
   a long conversation spilled over the Archive panel and below the page. */
#nd-sources {{ max-height: 640px; overflow-y: auto !important; }}
@media (max-width: {NARROW_PX}px) {{
  #nd-ask-row {{ grid-template-columns: minmax(0, 1fr); grid-template-rows: none;
                 grid-template-areas: "chat" "sources" "controls"; }}
  #nd-sources {{ max-height: none; }}
  #nd-sources-col:has(.nd-nosources) {{ display: none; }}  /* nothing to show yet: the question box comes next */
  #nd-chat {{ height: min(460px, 62vh) !important; }}
}}
/* The conversation's floating label covered the top of the oldest message shown: it sits above
   the scrolling messages instead, which take the rest of the box. */
#nd-chat .wrapper {{ display: flex; flex-direction: column; }}
#nd-chat .wrapper > label[data-testid="block-label"] {{ position: static; flex: none; align-self: flex-start; }}
#nd-chat .wrapper > .bubble-wrap {{ flex: 1 1 auto; min-height: 0; height: auto; }}
.nd-group-title {{ font-weight: 600; margin: 4px 0 2px; }}
.nd-card {{ border: 1px solid var(--border-color-primary); border-radius: 8px; padding: 10px 12px; margin: 8px 0;
            transition: box-shadow .2s, border-color .2s; }}
.nd-card.nd-hot, .nd-card.nd-flash {{ border-color: #d4a72c; box-shadow: 0 0 0 3px rgba(212, 167, 44, .35); }}
.nd-card .nd-head {{ font-weight: 600; }}
.nd-card .nd-num {{ display: inline-block; min-width: 1.8em; color: #0969da; }}
/* Muted text at WCAG AA contrast (4.5:1 and more); the theme's subdued grey measured 1.9:1 on white. */
.nd-card .nd-meta, .nd-meta {{ color: #57606a; font-size: 0.88em; margin-top: 2px; }}
.dark .nd-card .nd-meta, .dark .nd-meta, .dark .nd-by, .dark .nd-stage {{ color: #9da7b3; }}
/* !important: the theme's prose styles gave the quote a 24 px top margin */
.nd-card blockquote {{ margin: 6px 0 0 0 !important; padding-left: 10px; border-left: 3px solid var(--border-color-primary);
                       white-space: pre-wrap; font-size: 0.95em; }}
.nd-card mark {{ background: #fff3a3; color: inherit; padding: 0 1px; }}
.nd-card details.nd-context > summary, details.nd-how > summary, details.nd-more > summary {{
  cursor: pointer; color: #0969da; font-size: 0.88em; margin-top: 6px; }}
details.nd-how > summary, details.nd-more > summary {{ display: inline; }}
details.nd-how {{ margin-top: 2px; }}
details.nd-more {{ display: inline; margin-left: 6px; }}
details.nd-more[open] > .nd-outlets {{ display: block; margin-top: 4px; }}
.nd-outlet, .nd-date {{ white-space: nowrap; }}
.nd-count {{ color: #57606a; font-size: 0.88em; }}
.nd-welcome {{ text-align: left; max-width: 34em; margin: 0 auto; padding: 0 8px; }}
.nd-welcome p {{ margin: 6px 0; }}
a.nd-marker {{ text-decoration: none; font-weight: 600; color: #0969da; cursor: pointer; }}
a.nd-marker:hover {{ text-decoration: underline; }}
.nd-by, .nd-stage {{ color: #57606a; font-size: 0.85em; }}
.nd-stage {{ font-style: italic; }}
.nd-refused {{ color: #9a6700; font-weight: 600; }}
.nd-caveat {{ color: #9a6700; font-style: italic; }}
.nd-error {{ color: #cf222e; }}
.nd-results td, .nd-results th {{ padding: 2px 8px; text-align: left; vertical-align: top; }}
.nd-ok {{ color: #1a7f37; }} .nd-same {{ color: #57606a; }} .nd-failed {{ color: #cf222e; }} .nd-partial {{ color: #9a6700; }}
/* A marker's card on a narrow screen: a sheet over the bottom of the page; the answer stays put. */
#nd-peek {{ position: fixed; left: 0; right: 0; bottom: 0; z-index: 1000; max-height: 45vh; overflow-y: auto;
            padding: 8px 12px 12px; background: var(--background-fill-primary, #fff); color: var(--body-text-color, #1f2328);
            border-top: 1px solid var(--border-color-primary, #d0d7de); box-shadow: 0 -6px 18px rgba(0, 0, 0, .18); }}
#nd-peek[hidden] {{ display: none; }}
#nd-peek .nd-peek-close {{ display: block; margin: 0 0 4px auto; border: 1px solid var(--border-color-primary, #d0d7de); border-radius: 6px;
                           background: transparent; color: inherit; padding: 2px 10px; cursor: pointer; }}
"""

# One delegated handler: a marker [n] in the chat shows its source card. On a wide screen it scrolls
# the card into view in the Sources panel and flashes it; on a narrow one, where the panel is under
# the conversation, a copy of the card opens over the bottom of the page (moving the answer up when
# the sheet would cover the marker). Hovering a marker lights its card up; its title shows the quote.
HEAD = f"""
<script>
(() => {{
  const narrow = window.matchMedia("(max-width: {NARROW_PX}px)");
  const marker = (e) => e.target && e.target.closest ? e.target.closest("a.nd-marker") : null;
  const cardOf = (a) => {{
    const id = (a.getAttribute("href") || "").replace(/^#/, "");
    return id ? document.getElementById(id) : null;
  }};
  const sheet = () => {{
    let peek = document.getElementById("nd-peek");
    if (peek) return peek;
    peek = document.createElement("div");
    peek.id = "nd-peek";
    peek.setAttribute("role", "dialog");
    peek.setAttribute("aria-label", "Source");
    const close = document.createElement("button");
    close.type = "button";
    close.className = "nd-peek-close";
    close.textContent = "Close";
    close.addEventListener("click", () => {{ peek.hidden = true; }});
    peek.append(close, document.createElement("div"));
    document.body.appendChild(peek);
    return peek;
  }};
  const peekAt = (a, card) => {{
    const peek = sheet();
    const copy = card.cloneNode(true);
    for (const node of [copy, ...copy.querySelectorAll("[id]")]) node.removeAttribute("id");
    copy.classList.remove("nd-hot", "nd-flash");
    peek.lastChild.replaceChildren(copy);
    peek.hidden = false;
    peek.scrollTop = 0;
    peek.firstChild.focus({{ preventScroll: true }});  // Esc or Enter closes it
    if (a.getBoundingClientRect().bottom > peek.getBoundingClientRect().top - 8) a.scrollIntoView({{ block: "center" }});
  }};
  document.addEventListener("click", (e) => {{
    const a = marker(e);
    if (!a) return;
    e.preventDefault();
    e.stopPropagation();
    const card = cardOf(a);
    if (!card) return;
    const group = card.closest("details");
    if (group) group.open = true;
    if (narrow.matches) return peekAt(a, card);
    card.scrollIntoView({{ behavior: "smooth", block: "nearest" }});
    card.classList.remove("nd-flash");
    void card.offsetWidth;
    card.classList.add("nd-flash");
    setTimeout(() => card.classList.remove("nd-flash"), 2500);
  }}, true);
  document.addEventListener("keydown", (e) => {{
    const peek = document.getElementById("nd-peek");
    if (e.key === "Escape" && peek) peek.hidden = true;
  }});
  document.addEventListener("mouseover", (e) => {{ const a = marker(e); const c = a && cardOf(a); if (c) c.classList.add("nd-hot"); }});
  document.addEventListener("mouseout", (e) => {{ const a = marker(e); const c = a && cardOf(a); if (c) c.classList.remove("nd-hot"); }});
}})();
</script>
"""

# Runs in the browser before each question is sent: the inputs pass through unchanged (so the
# question is taken first), then the box is emptied. No server round trip, and no gr.skip().
CLEAR_QUESTION_JS = """
(...inputs) => {
  setTimeout(() => {
    const box = document.querySelector("#nd-question textarea");
    if (box) { box.value = ""; box.dispatchEvent(new Event("input", { bubbles: true })); }
  }, 0);
  return inputs;
}
"""
