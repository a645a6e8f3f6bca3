// Progressive enhancement for the survey form: the page works without this file.
// - keeps a draft of the answers in this browser (localStorage only; never sent anywhere)
//   and restores it on reload. The draft is kept per survey, not per link: a newer link of
//   the same person (a reminder) finds it, and the key holds the survey's id only, never a
//   token;
// - shows how many questions are answered, in a bar that stays in view;
// - checks before Submit: the unanswered questions are listed by part above the button and
//   the first one gets the focus (the server checks again, and says the same without this);
// - clears the draft once the thank-you page confirms the submission (not on submit: a
//   refused submission or a lost connection must not lose the answers).
(function () {
  "use strict";
  var PENDING = "mutuality-draft-pending";

  function storage() {
    try { return window.localStorage; } catch (e) { return null; }
  }

  if (document.querySelector("[data-survey-done]")) {
    var done = storage();
    var submitted = done && done.getItem(PENDING);
    if (submitted) { done.removeItem(submitted); done.removeItem(PENDING); }
    return;
  }
  var form = document.getElementById("survey-form");
  if (!form) { return; }
  var key = "mutuality-draft:" + form.getAttribute("data-draft-key");
  var total = parseInt(form.getAttribute("data-total"), 10) || 0;
  var progress = document.getElementById("progress");
  var progressText = document.getElementById("progress-text");
  var progressBar = document.getElementById("progress-bar");
  var checkBox = document.getElementById("unanswered");
  var skip = { csrf_token: true, lang: true };

  function collect() {
    var data = {};
    var elements = form.elements;
    for (var i = 0; i < elements.length; i++) {
      var el = elements[i];
      if (!el.name || skip[el.name]) { continue; }
      if (el.type === "radio") { if (el.checked) { data[el.name] = el.value; } }
      else if (el.tagName === "TEXTAREA") { if (el.value) { data[el.name] = el.value; } }
    }
    return data;
  }

  function answeredCount() {
    var names = {};
    var radios = form.querySelectorAll("input[type=radio]:checked");
    for (var i = 0; i < radios.length; i++) { names[radios[i].name] = true; }
    return Object.keys(names).length;
  }

  function showProgress() {
    if (!progress || !total) { return; }
    var n = answeredCount();
    progress.value = n;
    if (progressBar) { progressBar.hidden = false; }
    var template = form.getAttribute("data-progress-template") || "{n} / {total}";
    progressText.textContent = template.replace("{n}", n).replace("{total}", total);
  }

  function save() {
    var store = storage();
    if (store) {
      try { store.setItem(key, JSON.stringify(collect())); } catch (e) { /* quota: ignore */ }
    }
    showProgress();
  }

  function restore() {
    var store = storage();
    var raw = store && store.getItem(key);
    if (!raw) { return; }
    var data;
    try { data = JSON.parse(raw); } catch (e) { return; }
    Object.keys(data).forEach(function (name) {
      var value = String(data[name]);
      var fields = form.querySelectorAll('[name="' + name.replace(/"/g, "") + '"]');
      for (var i = 0; i < fields.length; i++) {
        var el = fields[i];
        if (el.type === "radio") {
          // The server's answer (a re-shown form after an error) wins over the draft.
          var group = form.querySelectorAll('input[type=radio][name="' + el.name + '"]:checked');
          if (!group.length && el.value === value) { el.checked = true; }
        } else if (el.tagName === "TEXTAREA" && !el.value) {
          el.value = value;
        }
      }
    });
  }

  // Drafts saved before drafts were per survey were keyed by the link's path, a token:
  // the newest becomes the survey's draft (unless there is one), and the old keys go.
  function adoptLinkDrafts(store) {
    var old = [];
    for (var i = 0; i < store.length; i++) {
      var name = store.key(i);
      if (name && name.indexOf(key + ":") === 0) { old.push(name); }
    }
    old.forEach(function (name) {
      if (store.getItem(key) === null) { store.setItem(key, store.getItem(name)); }
      store.removeItem(name);
    });
  }

  // The questions not answered yet, in page order: {fieldset, number, part}.
  function unanswered() {
    var missing = [];
    var groups = form.querySelectorAll("fieldset.question");
    for (var i = 0; i < groups.length; i++) {
      var group = groups[i];
      if (group.querySelector("input[type=radio]:checked")) { continue; }
      var num = group.querySelector(".qnum");
      var section = group.closest("section");
      var heading = section && section.querySelector("h2");
      missing.push({
        fieldset: group,
        number: num ? num.textContent.replace(/[.\s]/g, "") : String(i + 1),
        part: heading ? heading.textContent : ""
      });
    }
    return missing;
  }

  function questionLink(question) {
    var link = document.createElement("a");
    link.href = "#" + question.fieldset.id;
    var template = form.getAttribute("data-question-template") || "{n}";
    link.textContent = template.replace("{n}", question.number);
    link.addEventListener("click", function (event) {
      event.preventDefault();
      focusQuestion(question.fieldset);
    });
    return link;
  }

  function focusQuestion(fieldset) {
    var first = fieldset.querySelector("input[type=radio]");
    if (first) { first.focus(); }
    fieldset.scrollIntoView({ block: "start" });
  }

  // The list above the Submit button: a sentence, then one line per part.
  function showCheck(missing) {
    if (!checkBox) { return; }
    checkBox.textContent = "";
    var intro = document.createElement("p");
    intro.textContent = missing.length === 1
      ? form.getAttribute("data-check-one")
      : form.getAttribute("data-check-template").replace("{n}", missing.length);
    checkBox.appendChild(intro);
    var list = document.createElement("ul");
    list.className = "by-part";
    var item = null;
    var part = null;
    missing.forEach(function (question) {
      question.fieldset.classList.add("unanswered");
      if (question.part !== part || item === null) {
        part = question.part;
        item = document.createElement("li");
        item.appendChild(document.createTextNode(part + ": "));
        list.appendChild(item);
      } else {
        item.appendChild(document.createTextNode(", "));
      }
      item.appendChild(questionLink(question));
    });
    checkBox.appendChild(list);
    checkBox.hidden = false;
  }

  // Once the list is shown, it follows the answers given (and goes when none is missing).
  function updateCheck(event) {
    var group = event && event.target && event.target.closest && event.target.closest("fieldset.question");
    if (group && group.querySelector("input[type=radio]:checked")) { group.classList.remove("unanswered"); }
    if (!checkBox || checkBox.hidden) { return; }
    var missing = unanswered();
    if (missing.length) { showCheck(missing); } else { checkBox.hidden = true; checkBox.textContent = ""; }
  }

  var initial = storage();
  if (initial) {
    initial.removeItem(PENDING);  // back on the form: that submission did not land
    try { adoptLinkDrafts(initial); } catch (e) { /* quota: ignore */ }
  }
  restore();
  showProgress();
  form.addEventListener("change", save);
  form.addEventListener("change", updateCheck);
  form.addEventListener("input", save);
  form.addEventListener("submit", function (event) {
    var store = storage();
    if (event.submitter && event.submitter.name === "switch_lang") {
      save();  // the page comes back in the other language; the draft stays
      return;
    }
    var missing = unanswered();
    if (missing.length) {
      event.preventDefault();
      showCheck(missing);
      focusQuestion(missing[0].fieldset);
      return;
    }
    if (store) { save(); store.setItem(PENDING, key); }
  });
})();
