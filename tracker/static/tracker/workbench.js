// The source workbench (admin/tracker/source/): each proposal's sentence marked in the stored text, a click on a
// proposal scrolls to its sentence, and a selection in the text offers a new record from its whole sentence(s).
// A file, not inline script: the Content-Security-Policy runs none.
"use strict";
(function () {
  // Offsets from the server count code points (Python); the browser's strings count UTF-16 units.
  function unitsToPoints(text, units) { return Array.from(text.slice(0, units)).length; }
  function pointsToUnits(text, points) {
    let units = 0;
    for (let i = 0; i < points && units < text.length; i++) {
      const code = text.codePointAt(units);
      units += code > 0xffff ? 2 : 1;
    }
    return units;
  }

  // Wrap the characters [start, end) of the panel's text (UTF-16 units) in marks, one per text node crossed, so
  // that the text itself (and every offset) stays as it was.
  function markRange(panel, start, end, className, id) {
    const walker = document.createTreeWalker(panel, NodeFilter.SHOW_TEXT);
    const pieces = [];
    let position = 0, node;
    while ((node = walker.nextNode())) {
      const length = node.textContent.length;
      const from = Math.max(start, position), to = Math.min(end, position + length);
      if (from < to) pieces.push([node, from - position, to - position]);
      position += length;
      if (position >= end) break;
    }
    const marks = [];
    pieces.forEach(function ([textNode, from, to], index) {
      const range = document.createRange();
      range.setStart(textNode, from); range.setEnd(textNode, to);
      const mark = document.createElement("mark");
      mark.className = className;
      if (id && index === 0) mark.id = id;
      range.surroundContents(mark);
      marks.push(mark);
    });
    return marks;
  }

  function unmark(panel, className) {
    panel.querySelectorAll("mark." + className).forEach(function (mark) {
      mark.classList.remove(className);
      if (!mark.className) {
        mark.replaceWith(...mark.childNodes);
      }
    });
    panel.normalize();
  }

  function offsetWithin(panel, container, offset) {
    const range = document.createRange();
    range.selectNodeContents(panel);
    range.setEnd(container, offset);
    return range.toString().length;
  }

  // The whole sentences a selection touches, in code points, from the spans the server sent.
  function sentenceBounds(sentences, start, end) {
    let from = null, to = null;
    for (const [s, e] of sentences) {
      if (from === null && e > start) from = s;
      if (s < end) to = e;
    }
    if (from === null || to === null || from >= to) return [start, end];
    return [Math.min(from, start), Math.max(to, end)];
  }

  function start() {
    const panel = document.getElementById("source-text");
    const proposals = document.querySelectorAll("#workbench .proposal[data-start]");
    if (panel) {
      const text = panel.textContent;
      proposals.forEach(function (item) {
        const from = pointsToUnits(text, +item.dataset.start), to = pointsToUnits(text, +item.dataset.end);
        const status = item.classList.contains("proposal-accepted") ? " accepted"
          : item.classList.contains("proposal-rejected") ? " rejected" : "";
        markRange(panel, from, to, "proposed" + status, item.id + "-text");
      });
    }
    proposals.forEach(function (item) {
      item.addEventListener("click", function (event) {
        if (event.target.closest("a, button, summary, select, input, label, form")) return;
        if (!panel) return;
        document.querySelectorAll("#workbench .proposal.focus").forEach(el => el.classList.remove("focus"));
        item.classList.add("focus");
        unmark(panel, "focus");
        const text = panel.textContent;
        const marks = markRange(panel, pointsToUnits(text, +item.dataset.start), pointsToUnits(text, +item.dataset.end),
                                "focus");
        if (marks.length) marks[0].scrollIntoView({block: "center", behavior: "smooth"});
      });
      item.addEventListener("keydown", function (event) {
        if (event.key === "Enter" && event.target === item) item.click();
      });
    });
    // Rejecting: the note is asked for when the reason is "other" (the service refuses "other" without one).
    document.querySelectorAll("#workbench .proposal-reject form").forEach(function (form) {
      const reason = form.querySelector("select[name=reason]"), note = form.querySelector("input[name=note]");
      const label = form.querySelector("label[for='" + note.id + "']");
      function follow() {
        const other = reason.value === "other";
        note.required = other;
        note.hidden = label.hidden = !other;
      }
      reason.addEventListener("change", follow);
      follow();
    });
    // A selection in the text: a button to start a record from its whole sentence(s).
    const button = document.getElementById("sentence-record");
    if (!panel || !button || panel.dataset.readOnly) return;
    const sentences = JSON.parse(panel.dataset.sentences || "[]");
    document.addEventListener("mouseup", function (event) {
      if (event.target === button) return;
      window.setTimeout(function () {
        const selection = window.getSelection();
        if (!selection || selection.isCollapsed || !selection.rangeCount) { button.hidden = true; return; }
        const range = selection.getRangeAt(0);
        if (!panel.contains(range.startContainer) || !panel.contains(range.endContainer)) {
          button.hidden = true; return;
        }
        const text = panel.textContent;
        const startUnits = offsetWithin(panel, range.startContainer, range.startOffset);
        const endUnits = offsetWithin(panel, range.endContainer, range.endOffset);
        if (!text.slice(startUnits, endUnits).trim()) { button.hidden = true; return; }
        const [from, to] = sentenceBounds(sentences, unitsToPoints(text, startUnits), unitsToPoints(text, endUnits));
        button.href = panel.dataset.sentenceUrl + "?excerpt_start=" + from + "&excerpt_end=" + to;
        // Below the selection's last line, inside the panel (the button is placed within it: shown first, since
        // a hidden element has no offset parent to measure from).
        button.hidden = false;
        const rects = range.getClientRects();
        const last = rects.length ? rects[rects.length - 1] : range.getBoundingClientRect();
        const frame = (button.offsetParent || panel).getBoundingClientRect();
        const widest = Math.max(0, frame.width - button.offsetWidth - 4);
        button.style.left = Math.min(Math.max(0, last.left - frame.left), widest) + "px";
        button.style.top = (last.bottom - frame.top + 6) + "px";
      }, 0);
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
