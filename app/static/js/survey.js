// Progressive enhancement for the survey form: the page works without this file.
// - keeps a draft of the answers in this browser (localStorage only; never sent anywhere)
//   and restores it on reload. The draft is kept per survey, not per link: a newer link of
//   the same person (a reminder) finds it, and the key holds the survey's id only, never a
//   token;
// - shows how many questions are answered;
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
    progress.hidden = false;
    progressText.hidden = false;
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

  var initial = storage();
  if (initial) {
    initial.removeItem(PENDING);  // back on the form: that submission did not land
    try { adoptLinkDrafts(initial); } catch (e) { /* quota: ignore */ }
  }
  restore();
  showProgress();
  form.addEventListener("change", save);
  form.addEventListener("input", save);
  form.addEventListener("submit", function () {
    var store = storage();
    if (store) { save(); store.setItem(PENDING, key); }
  });
})();
