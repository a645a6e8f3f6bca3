// Instrument editor: progressive enhancement. Without this file the editor is a plain
// textarea checked when it is published. With it:
// - the textarea becomes a CodeMirror editor (vendored, served from our origin);
// - the text is checked as you type by the server's validator (POST .../validate);
//   each problem is listed with its JSON Pointer and line, and clicking it moves there;
// - a structure panel adds, moves and removes dimensions and items, edits wording per
//   language and toggles reverse keying, by rewriting the JSON (2-space indentation);
// - on a preview page, the survey's submit button is disabled.
(function () {
  "use strict";

  var previewBanner = document.querySelector("[data-preview]");
  if (previewBanner) {
    var surveyForm = document.getElementById("survey-form");
    if (surveyForm) {
      surveyForm.addEventListener("submit", function (event) { event.preventDefault(); });
      surveyForm.querySelectorAll("button[type=submit], input[type=submit]").forEach(function (button) {
        button.disabled = true;
        button.title = "Preview: answers are not recorded";
      });
    }
    return;
  }

  var root = document.getElementById("editor");
  var textarea = document.getElementById("document");
  if (!root || !textarea) { return; }

  var KEY_RE = /^[a-z][a-z0-9]*(?:[-_][a-z0-9]+)*$/;
  var DEBOUNCE_MS = 600;
  var meta = document.querySelector('meta[name="csrf-token"]');
  var csrfToken = meta ? meta.getAttribute("content") : "";
  var validateUrl = root.getAttribute("data-validate-url");
  var instrumentKey = root.getAttribute("data-instrument") || "";
  var problemsBox = document.getElementById("problems");
  var panel = document.getElementById("structure");
  var usedKeys = [];
  try { usedKeys = JSON.parse(document.getElementById("used-keys").textContent) || []; } catch (e) { usedKeys = []; }

  // --- the editor ---------------------------------------------------------------------

  var cm = null;
  if (window.CodeMirror) {
    cm = window.CodeMirror.fromTextArea(textarea, {
      mode: { name: "javascript", json: true },
      lineNumbers: true,
      lineWrapping: true,
      indentUnit: 2,
      tabSize: 2,
      matchBrackets: true,
      screenReaderLabel: "Instrument JSON",
      gutters: ["problem-gutter", "CodeMirror-linenumbers"],
      extraKeys: { Tab: false, "Shift-Tab": false } // Tab leaves the editor (keyboard users)
    });
    var label = document.querySelector('label[for="document"]');
    if (label) { label.addEventListener("click", function () { cm.focus(); }); }
  }

  function getText() { return cm ? cm.getValue() : textarea.value; }

  function setText(text) {
    if (cm) {
      var scroll = cm.getScrollInfo();
      var last = cm.lastLine();
      cm.operation(function () {
        // replaceRange, unlike setValue, keeps the change undoable (Ctrl-Z).
        cm.replaceRange(text, { line: 0, ch: 0 }, { line: last, ch: cm.getLine(last).length });
        cm.scrollTo(scroll.left, scroll.top);
      });
    } else {
      textarea.value = text;
      textChanged();
    }
  }

  function goTo(line, column) {
    if (cm) {
      var pos = { line: Math.max(0, line - 1), ch: Math.max(0, column - 1) };
      cm.focus();
      cm.setCursor(pos);
      cm.scrollIntoView(pos, 80);
      return;
    }
    var lines = textarea.value.split("\n");
    var offset = 0;
    for (var i = 0; i < Math.min(line - 1, lines.length); i++) { offset += lines[i].length + 1; }
    offset += Math.max(0, column - 1);
    textarea.focus();
    textarea.setSelectionRange(offset, offset);
  }

  // --- problems ------------------------------------------------------------------------

  var markedLines = [];

  function markLines(problems) {
    if (!cm) { return; }
    cm.operation(function () {
      markedLines.forEach(function (handle) {
        cm.removeLineClass(handle, "background", "cm-problem-line");
      });
      cm.clearGutter("problem-gutter");
      markedLines = [];
      problems.forEach(function (problem) {
        if (!problem.line || problem.line - 1 > cm.lastLine()) { return; }
        var handle = cm.addLineClass(problem.line - 1, "background", "cm-problem-line");
        var marker = document.createElement("span");
        marker.className = "problem-marker";
        marker.textContent = "!";
        marker.title = problem.message;
        cm.setGutterMarker(handle, "problem-gutter", marker);
        markedLines.push(handle);
      });
    });
  }

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (name) {
      if (name === "text") { node.textContent = attrs[name]; }
      else if (attrs[name] !== null && attrs[name] !== undefined && attrs[name] !== false) {
        node.setAttribute(name, attrs[name] === true ? "" : attrs[name]);
      }
    });
    (children || []).forEach(function (child) {
      node.appendChild(typeof child === "string" ? document.createTextNode(child) : child);
    });
    return node;
  }

  function showProblems(problems) {
    problemsBox.textContent = "";
    if (!problems.length) {
      problemsBox.appendChild(el("p", { "class": "ok", text: "No problems found." }));
    } else {
      var count = problems.length;
      problemsBox.appendChild(el("h2", { "class": "problems-title", text: count + (count === 1 ? " problem" : " problems") }));
      var list = el("ol", { "class": "problem-list" });
      problems.forEach(function (problem) {
        var where = el("code", { text: problem.pointer || "(document)" });
        var link = el("a", {
          "class": "problem-link", href: "#document",
          "data-line": problem.line || null, "data-column": problem.line ? (problem.column || 1) : null
        }, [where, problem.line ? " · line " + problem.line : ""]);
        list.appendChild(el("li", {}, [link, ": ", el("span", { "class": "problem-message", text: problem.message })]));
      });
      problemsBox.appendChild(list);
    }
    markLines(problems);
  }

  problemsBox.addEventListener("click", function (event) {
    var link = event.target.closest("a.problem-link");
    if (!link || !link.hasAttribute("data-line")) { return; }
    event.preventDefault();
    goTo(parseInt(link.getAttribute("data-line"), 10), parseInt(link.getAttribute("data-column"), 10) || 1);
  });

  // Problems the server listed after a refused publish: mark their lines too.
  markLines(Array.prototype.map.call(problemsBox.querySelectorAll("a.problem-link[data-line]"), function (link) {
    return { line: parseInt(link.getAttribute("data-line"), 10), message: link.parentNode.textContent.trim() };
  }));

  var sequence = 0;

  function validateNow() {
    var mine = ++sequence;
    fetch(validateUrl, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "Accept": "application/json", "X-CSRFToken": csrfToken },
      body: JSON.stringify({ text: getText(), instrument: instrumentKey })
    }).then(function (response) {
      return response.json().then(function (data) {
        if (!response.ok) { throw new Error(data.message || response.statusText); }
        return data;
      });
    }).then(function (data) {
      if (mine === sequence) { showProblems(data.errors || []); }
    }).catch(function (error) {
      if (mine !== sequence) { return; }
      problemsBox.textContent = "";
      problemsBox.appendChild(el("p", { "class": "hint", text: "The text could not be checked now (" + error.message + "). It is checked again when you publish." }));
    });
  }

  var timer = null;
  var initialText = getText();
  var submitting = false;

  function textChanged() {
    clearTimeout(timer);
    timer = setTimeout(function () { validateNow(); renderStructure(); }, DEBOUNCE_MS);
  }

  if (cm) { cm.on("changes", textChanged); } else { textarea.addEventListener("input", textChanged); }

  document.getElementById("editor-form").addEventListener("submit", function () { submitting = true; });
  window.addEventListener("beforeunload", function (event) {
    if (!submitting && getText() !== initialText) { event.preventDefault(); event.returnValue = ""; }
  });

  // --- structure panel -----------------------------------------------------------------

  var doc = null;      // the parsed document the panel shows
  var editing = false; // an inline form is open: do not redraw under the user's typing

  function isObject(value) { return value !== null && typeof value === "object" && !Array.isArray(value); }
  function list(name) { return Array.isArray(doc[name]) ? doc[name] : []; }
  function ensureList(name) { if (!Array.isArray(doc[name])) { doc[name] = []; } return doc[name]; }
  function languages() {
    var codes = Array.isArray(doc.languages) ? doc.languages.filter(function (c) { return typeof c === "string"; }) : [];
    return codes.length ? codes : ["en"];
  }
  function textOf(localized) {
    if (!isObject(localized)) { return ""; }
    var preferred = localized[doc.default_language];
    if (typeof preferred === "string") { return preferred; }
    var first = Object.keys(localized)[0];
    return first ? String(localized[first]) : "";
  }
  function keyOf(entry) { return isObject(entry) && typeof entry.key === "string" ? entry.key : ""; }
  function indexByKey(entries, key) {
    for (var i = 0; i < entries.length; i++) { if (keyOf(entries[i]) === key) { return i; } }
    return -1;
  }
  function dimensionOf(item) { return isObject(item) && typeof item.dimension === "string" ? item.dimension : null; }

  // Apply `change` to the current text (re-read now: it may have been typed in since the
  // panel was drawn), then write the document back. `change` returns false for a no-op.
  function apply(change) {
    var fresh = null;
    try { fresh = JSON.parse(getText()); } catch (e) { fresh = null; }
    if (!isObject(fresh)) {
      window.alert("The text is not valid JSON at the moment; fix the problems listed below the editor first.");
      return;
    }
    doc = fresh;
    if (change() === false) { return; }
    setText(JSON.stringify(doc, null, 2) + "\n");
    editing = false;
    renderStructure();
  }

  function takenKeys() {
    var taken = {};
    list("items").concat(list("prompts")).forEach(function (entry) { taken[keyOf(entry)] = true; });
    return taken;
  }

  // The next key in the dimension's own series (ea_4 -> ea_5), skipping every key this
  // draft or an earlier version used: a key must never name two different questions.
  function suggestItemKey(dimension) {
    var taken = takenKeys();
    usedKeys.forEach(function (key) { taken[key] = true; });
    var prefix = null;
    var highest = 0;
    list("items").forEach(function (item) {
      var match = dimensionOf(item) === dimension && /^(.*?)([0-9]+)$/.exec(keyOf(item));
      if (match && (prefix === null || prefix === match[1])) {
        prefix = match[1];
        highest = Math.max(highest, parseInt(match[2], 10));
      }
    });
    if (prefix === null) { prefix = dimension + "_"; }
    var n = highest + 1;
    while (taken[prefix + n]) { n++; }
    return prefix + n;
  }

  function suggestDimensionKey() {
    var n = 1;
    while (indexByKey(list("dimensions"), n === 1 ? "new_dimension" : "new_dimension_" + n) >= 0) { n++; }
    return n === 1 ? "new_dimension" : "new_dimension_" + n;
  }

  // Insert `key: value` after `after` (or at the end), keeping the other members' order.
  function withMember(object, after, key, value) {
    var result = {};
    var placed = false;
    Object.keys(object).forEach(function (name) {
      if (name === key) { return; }
      result[name] = object[name];
      if (name === after) { result[key] = value; placed = true; }
    });
    if (!placed) { result[key] = value; }
    return result;
  }

  function blankTexts() {
    var texts = {};
    languages().forEach(function (code) { texts[code] = ""; });
    return texts;
  }

  // --- operations -----

  function moveItem(key, step) {
    var items = list("items");
    var i = indexByKey(items, key);
    if (i < 0) { return false; }
    var j = i + step;
    while (j >= 0 && j < items.length && dimensionOf(items[j]) !== dimensionOf(items[i])) { j += step; }
    if (j < 0 || j >= items.length) { return false; }
    var moved = items[i]; items[i] = items[j]; items[j] = moved;
    return true;
  }

  function moveDimension(key, step) {
    var dims = list("dimensions");
    var i = indexByKey(dims, key);
    if (i < 0) { return false; }
    var j = i + step;
    while (j >= 0 && j < dims.length && !(isObject(dims[j]) && dims[j].family === dims[i].family)) { j += step; }
    if (j < 0 || j >= dims.length) { return false; }
    var moved = dims[i]; dims[i] = dims[j]; dims[j] = moved;
    // Questions are shown in item order: swap the two dimensions' items too, in the slots
    // they occupy, so the survey follows the new order and other items stay where they are.
    var first = keyOf(dims[Math.min(i, j)]);
    var second = keyOf(dims[Math.max(i, j)]);
    var items = list("items");
    var slots = [];
    var firstItems = [];
    var secondItems = [];
    items.forEach(function (item, index) {
      var dimension = dimensionOf(item);
      if (dimension === first || dimension === second) {
        slots.push(index);
        (dimension === first ? firstItems : secondItems).push(item);
      }
    });
    firstItems.concat(secondItems).forEach(function (item, n) { items[slots[n]] = item; });
    return true;
  }

  function removeItem(key) {
    var i = indexByKey(list("items"), key);
    if (i < 0 || !window.confirm("Remove item " + key + "? Answers already given to it stay stored with the versions that had it; do not reuse its key for another question.")) { return false; }
    doc.items.splice(i, 1);
    return true;
  }

  function removeDimension(key) {
    var items = list("items");
    var count = items.filter(function (item) { return dimensionOf(item) === key; }).length;
    var i = indexByKey(list("dimensions"), key);
    if (i < 0 || !window.confirm("Remove dimension " + key + " and its " + count + " item(s)?")) { return false; }
    if (Array.isArray(doc.items)) { doc.items = items.filter(function (item) { return dimensionOf(item) !== key; }); }
    doc.dimensions.splice(i, 1);
    return true;
  }

  function toggleReverse(key) {
    var items = list("items");
    var i = indexByKey(items, key);
    if (i < 0) { return false; }
    if (items[i].reverse) { delete items[i].reverse; }
    else { items[i] = withMember(items[i], "scale", "reverse", true); }
    return true;
  }

  function addItem(dimension, fields) {
    var items = ensureList("items");
    var scale = null;
    var family = (list("dimensions")[indexByKey(list("dimensions"), dimension)] || {}).family;
    var familyDims = list("dimensions").filter(function (d) { return d.family === family; }).map(keyOf);
    var position = -1;
    items.forEach(function (item, index) {
      if (dimensionOf(item) === dimension) { position = index; }
      if (!scale && familyDims.indexOf(dimensionOf(item)) >= 0 && typeof item.scale === "string") { scale = item.scale; }
    });
    if (!scale) { scale = keyOf(list("scales")[0]) || ""; }
    var item = { key: fields.key, type: "likert", dimension: dimension, scale: scale };
    if (fields.reverse) { item.reverse = true; }
    item.text = fields.text;
    if (position < 0) {
      // The first item of this dimension: after the items of the dimensions before it.
      var dims = list("dimensions").map(keyOf);
      var rank = dims.indexOf(dimension);
      items.forEach(function (other, index) {
        var otherRank = dims.indexOf(dimensionOf(other));
        if (otherRank >= 0 && otherRank < rank) { position = index; }
      });
    }
    items.splice(position + 1, 0, item);
  }

  function addDimension(family, fields) {
    var dims = ensureList("dimensions");
    var position = dims.length - 1;
    var last = -1;
    dims.forEach(function (d, index) { if (d.family === family) { last = index; } });
    if (last >= 0) { position = last; }
    dims.splice(position + 1, 0, {
      key: fields.key, family: family, label: fields.label, description: fields.description, min_answered: 1
    });
  }

  // --- inline forms -----

  function textFields(title, name, values) {
    var box = el("fieldset", { "class": "texts" }, [el("legend", { text: title })]);
    languages().forEach(function (code) {
      var id = "structure-" + name + "-" + code;
      box.appendChild(el("label", { "for": id, text: code }));
      box.appendChild(el("textarea", { id: id, rows: 2, lang: code, "data-field": name, "data-lang": code }, [
        (isObject(values) && typeof values[code] === "string") ? values[code] : ""
      ]));
    });
    return box;
  }

  function readTexts(form, name) {
    var texts = {};
    form.querySelectorAll('textarea[data-field="' + name + '"]').forEach(function (area) {
      texts[area.getAttribute("data-lang")] = area.value;
    });
    return texts;
  }

  function openForm(anchor, parts, onSave) {
    closeForms();
    editing = true;
    var message = el("p", { "class": "error", role: "alert", hidden: true });
    var form = el("form", { "class": "inline-edit", novalidate: true }, parts.concat([
      message,
      el("div", { "class": "inline-actions" }, [
        el("button", { type: "submit", "class": "button", text: "Apply to the JSON" }),
        " ",
        el("button", { type: "button", "class": "link-button", "data-action": "cancel", text: "Cancel" })
      ])
    ]));
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var error = onSave(form);
      if (error) { message.textContent = error; message.hidden = false; }
    });
    anchor.after(form);
    var first = form.querySelector("input, textarea");
    if (first) { first.focus(); }
  }

  function closeForms() {
    panel.querySelectorAll("form.inline-edit").forEach(function (form) { form.remove(); });
    editing = false;
  }

  function checkNewKey(key, taken) {
    if (!KEY_RE.test(key)) { return "A key is lowercase letters and digits, words joined by - or _, starting with a letter."; }
    if (taken[key]) { return "The key " + key + " is already used in this document."; }
    return "";
  }

  function keyInput(value) {
    return el("label", { "class": "key-field" }, ["Key ", el("input", { type: "text", name: "key", value: value, required: true, spellcheck: "false" })]);
  }

  var actions = {
    "cancel": function () { closeForms(); renderStructure(); },
    "item-up": function (key) { apply(function () { return moveItem(key, -1); }); },
    "item-down": function (key) { apply(function () { return moveItem(key, 1); }); },
    "item-remove": function (key) { apply(function () { return removeItem(key); }); },
    "item-reverse": function (key) { apply(function () { return toggleReverse(key); }); },
    "dimension-up": function (key) { apply(function () { return moveDimension(key, -1); }); },
    "dimension-down": function (key) { apply(function () { return moveDimension(key, 1); }); },
    "dimension-remove": function (key) { apply(function () { return removeDimension(key); }); },
    "item-wording": function (key, button) {
      var item = list("items")[indexByKey(list("items"), key)];
      openForm(button.closest(".row"), [textFields("Wording of " + key, "text", item.text)], function (form) {
        var texts = readTexts(form, "text");
        apply(function () {
          var i = indexByKey(list("items"), key);
          if (i < 0) { return false; }
          doc.items[i].text = texts;
          return true;
        });
      });
    },
    "dimension-wording": function (key, button) {
      var dim = list("dimensions")[indexByKey(list("dimensions"), key)];
      openForm(button.closest(".row"), [
        textFields("Label of " + key, "label", dim.label),
        textFields("Description of " + key, "description", dim.description)
      ], function (form) {
        var label = readTexts(form, "label");
        var description = readTexts(form, "description");
        apply(function () {
          var i = indexByKey(list("dimensions"), key);
          if (i < 0) { return false; }
          doc.dimensions[i].label = label;
          doc.dimensions[i].description = description;
          return true;
        });
      });
    },
    "item-add": function (dimension, button) {
      openForm(button, [
        keyInput(suggestItemKey(dimension)),
        textFields("Wording", "text", blankTexts()),
        el("label", { "class": "check" }, [el("input", { type: "checkbox", name: "reverse" }), " Reverse-keyed"])
      ], function (form) {
        var key = form.elements.key.value.trim();
        var problem = checkNewKey(key, takenKeys());
        if (problem) { return problem; }
        if (usedKeys.indexOf(key) >= 0 && !window.confirm("An earlier version used the key " + key + ". Reuse it only for the same question, or trends will mix two questions. Use it?")) { return "Choose another key."; }
        var fields = { key: key, text: readTexts(form, "text"), reverse: form.elements.reverse.checked };
        apply(function () { addItem(dimension, fields); });
        return "";
      });
    },
    "dimension-add": function (family, button) {
      openForm(button, [
        keyInput(suggestDimensionKey()),
        textFields("Label", "label", blankTexts()),
        textFields("Description", "description", blankTexts())
      ], function (form) {
        var key = form.elements.key.value.trim();
        var taken = {};
        list("dimensions").forEach(function (d) { taken[keyOf(d)] = true; });
        var problem = checkNewKey(key, taken);
        if (problem) { return problem; }
        var fields = { key: key, label: readTexts(form, "label"), description: readTexts(form, "description") };
        apply(function () { addDimension(family, fields); });
        return "";
      });
    }
  };

  function actionButton(action, key, text, label, disabled) {
    return el("button", {
      type: "button", "class": "small-button", "data-action": action, "data-key": key,
      "aria-label": label || null, title: label || null, disabled: !!disabled, text: text
    });
  }

  function itemRow(item, first, last) {
    var key = keyOf(item);
    var likert = item.type === "likert";
    var row = el("div", { "class": "row" }, [
      el("code", { text: key }),
      likert && item.reverse ? el("span", { "class": "badge", text: "reverse" }) : "",
      el("span", { "class": "item-text", text: textOf(item.text) }),
      el("span", { "class": "buttons" }, [
        actionButton("item-up", key, "↑", "Move " + key + " up", first),
        actionButton("item-down", key, "↓", "Move " + key + " down", last),
        actionButton("item-wording", key, "Wording", "Edit the wording of " + key),
        likert ? actionButton("item-reverse", key, item.reverse ? "Unreverse" : "Reverse", (item.reverse ? "Unreverse " : "Reverse ") + key) : "",
        actionButton("item-remove", key, "Remove", "Remove " + key)
      ])
    ]);
    return el("li", { "class": "item" }, [row]);
  }

  function renderStructure() {
    if (editing || !panel) { return; }
    var parsed = null;
    try { parsed = JSON.parse(getText()); } catch (e) { parsed = null; }
    panel.hidden = false;
    panel.textContent = "";
    if (!isObject(parsed)) {
      doc = null;
      panel.appendChild(el("p", { "class": "hint", text: "The structure appears when the text is valid JSON." }));
      return;
    }
    doc = parsed;
    panel.appendChild(el("p", { "class": "hint", text: "Changes here rewrite the JSON in the editor (undo with Ctrl-Z). Items appear to employees in the order of the list." }));
    var items = list("items").filter(isObject);
    var dims = list("dimensions").filter(isObject);
    list("families").filter(isObject).forEach(function (family) {
      var familyKey = keyOf(family);
      var section = el("section", { "class": "family" }, [
        el("h3", {}, [textOf(family.label) + " ", el("code", { text: familyKey })])
      ]);
      var familyDims = dims.filter(function (d) { return d.family === familyKey; });
      var dimList = el("ol", { "class": "dimensions" });
      familyDims.forEach(function (dim, d) {
        var key = keyOf(dim);
        var mine = items.filter(function (item) { return dimensionOf(item) === key; });
        var itemList = el("ol", { "class": "items" });
        mine.forEach(function (item, n) { itemList.appendChild(itemRow(item, n === 0, n === mine.length - 1)); });
        dimList.appendChild(el("li", { "class": "dimension" }, [
          el("div", { "class": "row" }, [
            el("strong", { text: textOf(dim.label) || key }), " ", el("code", { text: key }),
            el("span", { "class": "buttons" }, [
              actionButton("dimension-up", key, "↑", "Move dimension " + key + " up", d === 0),
              actionButton("dimension-down", key, "↓", "Move dimension " + key + " down", d === familyDims.length - 1),
              actionButton("dimension-wording", key, "Label", "Edit the label and description of " + key),
              actionButton("dimension-remove", key, "Remove", "Remove dimension " + key + " and its items")
            ])
          ]),
          itemList,
          actionButton("item-add", key, "Add item", "Add item to " + key)
        ]));
      });
      section.appendChild(dimList);
      section.appendChild(actionButton("dimension-add", familyKey, "Add dimension", "Add dimension to " + familyKey));
      panel.appendChild(section);
    });
    var unscored = items.filter(function (item) { return dimensionOf(item) === null; });
    if (unscored.length) {
      var others = el("ol", { "class": "items" });
      unscored.forEach(function (item, n) { others.appendChild(itemRow(item, n === 0, n === unscored.length - 1)); });
      panel.appendChild(el("section", { "class": "family" }, [el("h3", { text: "Unscored items" }), others]));
    }
  }

  panel.addEventListener("click", function (event) {
    var target = event.target.closest("button[data-action]");
    if (!target || (!doc && target.getAttribute("data-action") !== "cancel")) { return; }
    var action = actions[target.getAttribute("data-action")];
    if (action) { action(target.getAttribute("data-key"), target); }
  });

  renderStructure();
}());
