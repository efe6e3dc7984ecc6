(function () {
  "use strict";
  // Filters, URL-fragment state, copy buttons and on-demand lists. The page reads the same without this script.
  var doc = document;
  var form = doc.getElementById("filters");
  var shown = doc.getElementById("shown");
  var none = doc.getElementById("nothing-shown");
  var items = Array.prototype.slice.call(doc.querySelectorAll(".finding"));
  var subjects = Array.prototype.slice.call(doc.querySelectorAll(".subject"));
  var accounts = Array.prototype.slice.call(doc.querySelectorAll(".account"));
  var keys = ["status", "severity", "category", "rule"];
  var texts = new Map();

  function text(el) {
    var s = texts.get(el);
    if (s === undefined) {
      var subject = el.closest(".subject");
      s = ((subject ? subject.dataset.subject : "") + "\n" + el.textContent).toLowerCase();
      texts.set(el, s);
    }
    return s;
  }

  function readHash() {
    var params = new URLSearchParams(location.hash.replace(/^#/, ""));
    var state = {};
    keys.forEach(function (k) { state[k] = params.get(k) || ""; });
    state.q = params.get("q") || "";
    return state;
  }

  function writeHash(state) {
    var params = new URLSearchParams();
    keys.concat(["q"]).forEach(function (k) { if (state[k]) { params.set(k, state[k]); } });
    var hash = params.toString();
    var url = location.href.replace(/#.*$/, "") + (hash ? "#" + hash : "");
    try { history.replaceState(null, "", url); } catch (e) { location.hash = hash; }
  }

  function formState() {
    var state = {};
    keys.forEach(function (k) { state[k] = form.elements[k].value; });
    state.q = form.elements.q.value.trim();
    return state;
  }

  function setForm(state) {
    keys.forEach(function (k) {
      var sel = form.elements[k];
      sel.value = state[k];
      if (sel.value !== state[k]) { sel.value = ""; state[k] = ""; }
    });
    form.elements.q.value = state.q;
  }

  var filtered = false;

  function apply(state) {
    var active = Boolean(keys.some(function (k) { return state[k]; }) || state.q);
    shown.dataset.total = items.length;
    if (!active && !filtered) {  // the page as it was written: nothing to hide or show (a large page loads faster)
      shown.textContent = shown.dataset.template.replace("{shown}", items.length).replace("{total}", items.length);
      none.hidden = true;
      return;
    }
    filtered = active;
    var q = state.q.toLowerCase();
    var count = 0;
    items.forEach(function (el) {
      var ok = keys.every(function (k) { return !state[k] || el.dataset[k] === state[k]; }) &&
        (!q || text(el).indexOf(q) >= 0);
      el.hidden = !ok;
      if (ok) { count += 1; }
    });
    subjects.forEach(function (s) {
      var groups = s.querySelectorAll(".group");
      var any = false;
      Array.prototype.forEach.call(groups, function (g) {
        var visible = g.querySelector(".finding:not([hidden])") !== null;
        g.hidden = active && !visible;
        any = any || visible;
      });
      var quiet = s.querySelector(".quiet");
      if (quiet) {
        var quietVisible = quiet.querySelector(".finding:not([hidden])") !== null;
        quiet.hidden = active && !quietVisible;
        quiet.open = active && quietVisible && (state.status === "pass" || state.status === "skip" || q !== "");
        any = any || quietVisible;
      }
      s.hidden = active && !any;
    });
    accounts.forEach(function (a) { a.hidden = a.querySelector(".subject:not([hidden])") === null; });
    shown.textContent = shown.dataset.template.replace("{shown}", count).replace("{total}", items.length);
    none.hidden = count > 0;
  }

  function update() { var state = formState(); writeHash(state); apply(state); }

  function fromHash() { var state = readHash(); setForm(state); apply(state); }

  if (form) {
    form.hidden = false;
    form.addEventListener("change", update);
    form.addEventListener("input", update);
    form.addEventListener("submit", function (e) { e.preventDefault(); update(); });
    doc.getElementById("filters-reset").addEventListener("click", function () {
      HTMLFormElement.prototype.reset.call(form); update();
    });
    window.addEventListener("hashchange", fromHash);
    fromHash();
  }

  function copy(button) {
    var pre = button.parentNode.querySelector("pre, code");
    var value = pre ? pre.textContent : "";
    var done = function () {
      var label = button.textContent;
      button.textContent = button.dataset.copied;
      setTimeout(function () { button.textContent = label; }, 1500);
    };
    if (navigator.clipboard && navigator.clipboard.writeText) {
      navigator.clipboard.writeText(value).then(done, function () { fallback(value); done(); });
    } else { fallback(value); done(); }
  }

  function fallback(value) {
    var area = doc.createElement("textarea");
    area.value = value;
    doc.body.appendChild(area);
    area.select();
    try { doc.execCommand("copy"); } catch (e) { /* nothing more to try */ }
    doc.body.removeChild(area);
  }

  Array.prototype.forEach.call(doc.querySelectorAll("button.copy"), function (b) {
    b.hidden = false;
    b.addEventListener("click", function () { copy(b); });
  });

  // a large report's passes: a per-rule list, built from the embedded data when it is asked for
  var data = doc.getElementById("quiet-data");
  if (data) {
    var quiet = JSON.parse(data.textContent);
    Array.prototype.forEach.call(doc.querySelectorAll("details.on-demand"), function (d) {
      d.hidden = false;
      d.addEventListener("toggle", function () {
        if (!d.open || d.dataset.built) { return; }
        d.dataset.built = "1";
        var list = doc.createElement("ul");
        (quiet.rules[d.dataset.rule] || []).forEach(function (pair) {
          var li = doc.createElement("li");
          li.textContent = quiet.subjects[pair[0]] + " \u2014 " + quiet.statuses[pair[1]];
          list.appendChild(li);
        });
        d.appendChild(list);
      });
    });
  }

  window.addEventListener("beforeprint", function () {
    Array.prototype.forEach.call(doc.querySelectorAll("details"), function (d) { d.open = true; });
  });
}());
