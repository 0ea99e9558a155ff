// A record's add and change form (admin/tracker/claim_change_form.html), from a file: the Content-Security-Policy
// runs no inline script. The server is the rules' home (tracker/services/claims.py claim_fill_derived); this only
// previews them: the reported phrase read into its parts, the category from the term, the source's text beside
// the form, and a selection in that text quoted as the excerpt with its character offsets.
"use strict";
(function () {
  const $ = id => document.getElementById(id);
  const PARTS = ["quantifier", "reported_value", "reported_value_max", "magnitude_word", "unit"];

  // Code points, as the server counts offsets (a string's length in JavaScript counts UTF-16 units).
  const codePoints = s => Array.from(s).length;

  function onUserChange(element, handler) {
    if (!element) return;
    element.addEventListener("input", handler);
    element.addEventListener("change", handler);
  }

  // --- the reported phrase, read into its parts ----------------------------------------------------------
  function phraseParts(root) {
    const phrase = $("id_reported_phrase");
    if (!phrase) return;
    const touched = new Set();
    PARTS.forEach(name => onUserChange($("id_" + name), () => touched.add(name)));
    const reading = document.createElement("span");
    reading.id = "claim-phrase-reading";
    reading.className = "help";
    phrase.insertAdjacentElement("afterend", reading);
    let timer = null, asked = 0;
    function read() {
      const text = phrase.value.trim();
      const ask = ++asked;
      if (!text) { reading.textContent = ""; return; }
      fetch(root.dataset.parseUrl + "?phrase=" + encodeURIComponent(text), {credentials: "same-origin"})
        .then(response => response.ok ? response.json() : null)
        .then(answer => {
          if (!answer || ask !== asked) return;
          if (!answer.parts) {
            reading.textContent = "No number or magnitude word read: choose the parts below.";
            return;
          }
          PARTS.forEach(name => {
            const field = $("id_" + name);
            if (!field || touched.has(name)) return;
            const value = answer.parts[name];
            field.value = value === null || value === undefined ? "" : String(value);
          });
          const shown = PARTS.map(name => $("id_" + name)).filter(f => f && f.value)
            .map(f => f.tagName === "SELECT" ? f.options[f.selectedIndex].text : Number(f.value).toLocaleString());
          reading.textContent = "Read as: " + shown.join(" · ");
          root.dispatchEvent(new CustomEvent("claim:parts"));
        })
        .catch(() => {});
    }
    phrase.addEventListener("input", () => { clearTimeout(timer); timer = setTimeout(read, 200); });
  }

  // --- the category follows the term: asked for only for "displaced" --------------------------------------
  function categoryFollowsTerm(root) {
    const term = $("id_term"), category = $("id_category");
    if (!term || !category || !root.dataset.termCategories) return;
    const allowed = JSON.parse(root.dataset.termCategories);
    const box = category.closest(".fieldBox") || category.closest(".form-row");
    function follow() {
      const categories = allowed[term.value];
      if (categories && categories.length === 1) {
        category.value = categories[0];
        box.classList.add("claim-derived-hidden");
      } else {
        box.classList.remove("claim-derived-hidden");
        if (categories && !category.value) category.value = "flow";
      }
    }
    term.addEventListener("change", follow);
    follow();
  }

  // --- the source's text beside the form -------------------------------------------------------------------
  function sourcePanel(root) {
    const body = $("claim-source-body");
    const excerpt = $("id_excerpt"), start = $("id_excerpt_start"), end = $("id_excerpt_end");
    if (!body) return;
    let storedText = null; // the source's text, rebuilt from the spans (their text is the stored text)

    function spansOf(box) { return Array.from(box.querySelectorAll("span[data-start]")); }
    function readText() {
      const box = $("claim-source-text");
      storedText = box ? Array.from(spansOf(box).map(span => span.textContent).join("")) : null;
    }
    // The character offset, in the stored text, of a point of the DOM (a selection's end).
    function offsetOf(node, offset) {
      if (node.nodeType === Node.TEXT_NODE) {
        const span = node.parentElement.closest("span[data-start]");
        if (!span) return null;
        return Number(span.dataset.start) + codePoints(node.data.slice(0, offset));
      }
      const box = $("claim-source-text");
      const spans = spansOf(box);
      if (offset < node.childNodes.length) {
        const child = node.childNodes[offset];
        const span = child.matches && child.matches("span[data-start]") ? child
          : (child.querySelector && child.querySelector("span[data-start]"))
            || spans.find(s => child.compareDocumentPosition(s) & Node.DOCUMENT_POSITION_FOLLOWING);
        return span ? Number(span.dataset.start) : storedText.length;
      }
      const before = spans.filter(s => node.contains(s) || (node.compareDocumentPosition(s)
        & Node.DOCUMENT_POSITION_PRECEDING));
      const last = before[before.length - 1];
      return last ? Number(last.dataset.start) + codePoints(last.textContent) : 0;
    }
    function quoteSelection() {
      const box = $("claim-source-text");
      const selection = window.getSelection();
      if (!box || !excerpt || !storedText || !selection.rangeCount || selection.isCollapsed) return;
      const range = selection.getRangeAt(0);
      if (!box.contains(range.commonAncestorContainer)) return;
      let from = offsetOf(range.startContainer, range.startOffset), to = offsetOf(range.endContainer, range.endOffset);
      if (from === null || to === null) return;
      while (from < to && /\s/.test(storedText[from])) from++;
      while (to > from && /\s/.test(storedText[to - 1])) to--;
      if (from >= to) return;
      excerpt.value = storedText.slice(from, to).join("");
      if (start && end) { start.value = from; end.value = to; }
      excerpt.dispatchEvent(new CustomEvent("claim:quoted", {bubbles: true}));
      const source = $("id_source");
      if (source && source.value) load(source.value, true); // the quoted excerpt marked in place of the old
    }
    // An excerpt typed by hand that the offsets no longer select: the offsets are cleared (the server finds
    // them again when the excerpt occurs once in the text).
    onUserChange(excerpt, () => {
      if (!start || !end || start.value === "" || !storedText) return;
      if (storedText.slice(Number(start.value), Number(end.value)).join("") !== excerpt.value) {
        start.value = ""; end.value = "";
      }
    });
    body.addEventListener("mouseup", () => setTimeout(quoteSelection, 0));
    body.addEventListener("keyup", event => { if (event.shiftKey) quoteSelection(); });

    // The record's excerpt, marked in the text, scrolled into the panel's view (the page itself does not move).
    function showMark() {
      const panel = $("claim-source-panel"), mark = document.querySelector("#claim-source-text mark");
      if (panel && mark) panel.scrollTop = Math.max(0, mark.offsetTop - panel.clientHeight / 3);
    }
    // The dates a record takes when they are left empty: the source's publication date.
    function setPlaceholders() {
      const date = $("claim-source-date");
      ["id_start_date", "id_end_date"].forEach(id => { if ($(id)) $(id).placeholder = date ? date.dataset.date : ""; });
    }
    function load(sourceId, again) {
      const shown = $("claim-source-date");
      if (!sourceId || (!again && shown && shown.dataset.source === String(sourceId))) return; // already shown
      const query = new URLSearchParams({excerpt: excerpt ? excerpt.value : ""});
      if (start && end && start.value !== "" && end.value !== "") {
        query.set("excerpt_start", start.value); query.set("excerpt_end", end.value);
      }
      const url = root.dataset.textUrl.replace(/\/0\/$/, "/" + encodeURIComponent(sourceId) + "/") + "?" + query;
      fetch(url, {credentials: "same-origin"})
        .then(response => response.ok ? response.json() : null)
        .then(answer => {
          if (!answer) return;
          body.innerHTML = answer.html; // rendered and escaped by the server
          readText();
          setPlaceholders();
          showMark();
          root.dispatchEvent(new CustomEvent("claim:text-loaded"));
        })
        .catch(() => {});
    }
    const source = $("id_source");
    if (source) {
      if (window.django && window.django.jQuery) {
        window.django.jQuery(source).on("change", () => load(source.value)); // select2 speaks jQuery
      } else {
        source.addEventListener("change", () => load(source.value));
      }
    }
    readText();
    setPlaceholders();
    showMark();
  }

  function start() {
    const root = $("claim-workbench");
    if (!root) return;
    phraseParts(root);
    categoryFollowsTerm(root);
    sourcePanel(root);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
