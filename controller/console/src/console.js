// The console's little script: live board view (server-sent events), playlist check/save with
// errors at their lines, restore, and the proof-of-display table. Plain JavaScript, no build step.
(function () {
  "use strict";
  var csrf = (document.querySelector('meta[name="csrf-token"]') || {}).content || "";
  function api(method, url, body) {
    return fetch(url, { method: method, body: body, headers: { "X-CSRF-Token": csrf }, credentials: "same-origin" });
  }
  // A refused request's words, from its JSON error in the page's language (`error_zh` in
  // Chinese); a plain-text answer as it came.
  function refusal(r) {
    var zh = document.documentElement.lang === "zh-CN";
    if ((r.headers.get("content-type") || "").indexOf("application/json") === 0) {
      return r.json().then(function (v) {
        var e = (v.errors || [])[0] || {};
        return (zh && (v.error_zh || e.message_zh)) || v.error || e.message || String(r.status);
      });
    }
    return r.text().then(function (t) { return r.status + " " + t; });
  }
  // The status document's words (link, layer, power, broker) in the page's language.
  var words = JSON.parse((document.querySelector("main") || { dataset: {} }).dataset.words || "{}");
  function word(v) {
    return Object.prototype.hasOwnProperty.call(words, v) ? words[v] : String(v);
  }
  // "item hello" -> "节目 hello": the kind of content before its id; "blank" -> "无内容".
  function content(v) {
    var sp = String(v).indexOf(" ");
    return sp > 0 ? word(String(v).slice(0, sp)) + String(v).slice(sp) : word(v);
  }
  function field(obj, path) {
    return path.split(".").reduce(function (o, k) { return o == null ? o : o[k]; }, obj);
  }

  // Board: live status and glass.
  var glass = document.getElementById("glass");
  if (glass) {
    var es = new EventSource("/api/v1/events");
    es.addEventListener("status", function (e) {
      var s = JSON.parse(e.data);
      var zh = document.documentElement.lang === "zh-CN";
      document.querySelectorAll("[data-field]").forEach(function (td) {
        var v = field(s, td.dataset.field);
        // A text the console also has in Chinese (the playlist file's errors).
        var v_zh = zh ? field(s, td.dataset.field + "_zh") : null;
        if (v_zh != null) v = v_zh;
        td.textContent = v == null || (Array.isArray(v) && v.length === 0) ? "—"
          : td.dataset.format === "mb" ? Math.round(v / 1e6) + " MB"
          : td.dataset.format === "content" ? content(v)
          : Array.isArray(v) ? v.join("\n") : word(v);
        td.classList.toggle("none", td.textContent === "—");
      });
      // A technician's setting over the playlist's, and when it ends.
      var note = document.getElementById("override-note");
      if (note) {
        var o = s.override || {}, parts = [], nd = note.dataset;
        var at = function (t) { return new Date(t).toLocaleTimeString(zh ? "zh-CN" : "en", { hour: "2-digit", minute: "2-digit", hour12: false, timeZone: nd.zone }); };
        if (o.power) parts.push((o.power.on ? nd.powerOn : nd.powerOff) + "，" + nd.until + " " + at(o.power.until));
        if (o.brightness) parts.push(nd.brightness + " " + o.brightness.level + "，" + nd.until + " " + at(o.brightness.until));
        note.textContent = parts.join("；");
        document.getElementById("override-row").hidden = parts.length === 0;
      }
      // Switched off or on, the glass changes without a new frame.
      if (glass.dataset.power !== String(s.power)) {
        glass.dataset.power = String(s.power);
        glass.src = "/api/v1/board.png?scale=4&t=" + Date.now();
      }
      if (s.showing && s.showing.frame_sha256) {
        var sha = document.getElementById("frame-sha");
        if (sha.dataset.sha !== s.showing.frame_sha256) {
          sha.dataset.sha = s.showing.frame_sha256;
          sha.textContent = content(s.showing.content) + " · " + s.showing.frame_sha256.slice(0, 12);
          glass.src = "/api/v1/board.png?scale=4&t=" + Date.now();
        }
      }
    });
    es.addEventListener("frame", function () {
      glass.src = "/api/v1/board.png?scale=4&t=" + Date.now();
    });
  }

  // Technician: the card's own controls.
  var tech = document.getElementById("tech");
  if (tech) {
    var result = document.getElementById("tech-result");
    function report(r) {
      return r.json().then(function (v) {
        var zh = document.documentElement.lang === "zh-CN" && v.error_zh;
        var zhOk = document.documentElement.lang === "zh-CN" && v.message_zh;
        result.textContent = v.ok ? (zhOk ? v.message_zh : v.message || "ok") : (zh ? v.error_zh : v.error);
        return v;
      });
    }
    function post(url, body) {
      return fetch(url, { method: "POST", body: body ? JSON.stringify(body) : "",
        headers: { "X-CSRF-Token": csrf, "Content-Type": "application/json" }, credentials: "same-origin" }).then(report);
    }
    document.getElementById("ping").addEventListener("click", function () { post("/api/v1/card/ping"); });
    document.getElementById("show-pattern").addEventListener("click", function () {
      post("/api/v1/card/pattern", { name: document.getElementById("pattern").value });
    });
    document.getElementById("set-brightness").addEventListener("click", function () {
      post("/api/v1/card/override", { brightness: Number(document.getElementById("level").value), minutes: 60 });
    });
    document.getElementById("power-off").addEventListener("click", function (e) {
      if (!window.confirm(e.target.dataset.confirm)) return;
      post("/api/v1/card/override", { power: false, minutes: 60 }).then(function (v) {
        if (!v || !v.ok) return;
        // Switched off by mistake: one click undoes it (the playlist's schedule takes over again).
        var undo = document.createElement("button");
        undo.type = "button";
        undo.id = "undo-power-off";
        undo.textContent = e.target.dataset.undo;
        undo.addEventListener("click", function () { api("DELETE", "/api/v1/card/override").then(report); });
        result.appendChild(document.createTextNode(" "));
        result.appendChild(undo);
      });
    });
    document.getElementById("power-on").addEventListener("click", function () { post("/api/v1/card/override", { power: true, minutes: 60 }); });
    document.getElementById("resume").addEventListener("click", function () {
      api("DELETE", "/api/v1/card/override").then(report);
    });
    document.getElementById("trace").addEventListener("click", function () {
      api("GET", "/api/v1/card/trace").then(function (r) { return r.json(); }).then(function (v) {
        var out = document.getElementById("trace-out");
        out.textContent = v.lines.join("\n") + "\n\n" + v.decoded;
        out.hidden = false;
      });
    });
  }

  // Announcements: search the id, title and text as one types, in any case (the form asks the
  // server the same without script).
  var search = document.getElementById("search");
  if (search) {
    search.addEventListener("input", function () {
      var q = search.value.trim().toLowerCase();
      document.querySelectorAll("#announcements tr[data-search]").forEach(function (tr) {
        tr.hidden = q !== "" && tr.dataset.search.indexOf(q) < 0;
      });
    });
  }

  // Playlist editor: a form (the default) and the TOML text (高级). The text is the one truth:
  // the server writes each form edit into it keeping its comments (/api/v1/playlist/form), and
  // check, preview and save take the text, whichever view made it.
  var editor = document.getElementById("playlist");
  if (editor) {
    var gutter = document.getElementById("gutter");
    var problems = document.getElementById("problems");
    var formView = document.getElementById("form-view");
    var tomlView = document.getElementById("toml-view");
    var W = JSON.parse(formView.dataset.words || "{}");
    var canEdit = formView.dataset.edits === "true";
    var pictureNames = formView.dataset.pictures ? formView.dataset.pictures.split("\n") : [];
    var DRAFT = "pinghu.playlist.draft";
    var saved = editor.value; // the text the daemon runs
    var model = null; // the form of the text, with the line of each field
    var bad = {};
    var zh = document.documentElement.lang === "zh-CN";
    function el(tag, props, kids) {
      var e = document.createElement(tag);
      Object.keys(props || {}).forEach(function (k) {
        if (k === "text") e.textContent = props[k];
        else if (k === "cls") e.className = props[k];
        else if (k in e) e[k] = props[k];
        else e.setAttribute(k, props[k]);
      });
      (kids || []).forEach(function (c) { if (c) e.appendChild(c); });
      return e;
    }
    function numbers() {
      var n = editor.value.split("\n").length, out = [];
      for (var i = 1; i <= n; i++) out.push(bad[i] ? "▶" + i : String(i));
      gutter.textContent = out.join("\n");
    }
    // The edit is kept in this browser until it is saved: a lost session or a closed tab loses nothing.
    function keepDraft() {
      var dirty = editor.value !== saved;
      // A very long playlist may not fit the browser's storage: the edit is then only on the page.
      try {
        if (dirty) localStorage.setItem(DRAFT, JSON.stringify({ base: saved, text: editor.value }));
        else localStorage.removeItem(DRAFT);
      } catch (e) { localStorage.removeItem(DRAFT); }
      var d = document.getElementById("dirty");
      if (d) d.hidden = !dirty;
    }
    function say(text, cls) {
      problems.innerHTML = "";
      problems.appendChild(el("li", { cls: cls || "error", text: text }));
    }
    // A refused request says why and what to do; 401, 403 and 413 are the ones a clerk meets.
    // A refused save says first that nothing was saved.
    function failed(r, saving) {
      var pre = saving ? W.not_saved : "";
      if (r.status === 401) say(pre + W.session_ended);
      else if (r.status === 413) say(pre + W.too_large);
      else return refusal(r).then(function (t) { say(pre + (saving ? t : W.failed + t)); return null; });
      return null;
    }
    function json(r) {
      if (r.ok || r.status === 422) return r.json();
      return failed(r);
    }
    function saving(r) {
      if (r.ok || r.status === 422) return r.json();
      return failed(r, true);
    }
    function offline() { say(W.offline); }

    // Problems: listed under the buttons, and shown at their field (or their item, campaign or
    // spot) in the form: the table whose header is the last at or before the problem's line.
    var TARGETS = ["share", "plays_per_day", "plays_per_hour"];
    function fieldOf(line) {
      if (!model) return null;
      var heads = [];
      model.items.forEach(function (it, i) { heads.push({ lines: it.lines, sel: '.card[data-index="' + i + '"]' }); });
      (model.campaigns || []).forEach(function (c, i) {
        var sel = '.campaign[data-campaign="' + i + '"]';
        heads.push({ lines: c.lines || {}, sel: sel });
        (c.spots || []).forEach(function (sp, j) { heads.push({ lines: sp.lines || {}, sel: sel + ' .spot[data-spot="' + j + '"]' }); });
      });
      var hit = null, best = -1;
      heads.forEach(function (h) {
        var head = h.lines[""];
        if (head && head <= line && head > best) { best = head; hit = h; }
      });
      if (model.government_floor_line && line === model.government_floor_line) return { sel: "#floor-row", key: "government_floor" };
      if (!hit) return null;
      var key = null;
      Object.keys(hit.lines).forEach(function (k) { if (k && hit.lines[k] === line) key = k; });
      return { sel: hit.sel, key: TARGETS.indexOf(key) >= 0 ? "target" : key };
    }
    function inForm() { return !formView.hidden; }
    // A problem's words: in the form, a clerk's (the field's label, no TOML key, no place); in the
    // TOML view, the checker's with its line and column.
    function words(e) {
      if (!zh) return e.message;
      return (inForm() && e.message_form_zh) || e.message_zh || e.message;
    }
    function mark(e, cls) {
      var at = fieldOf(e.line);
      if (!at) return;
      var card = document.querySelector(at.sel);
      if (!card) return;
      // A problem at a campaign's header that one of its fields fixes (the booking check's).
      var key = at.key || e.field || null;
      if (cls !== "warn") { card.classList.add("bad"); var outer = card.closest(".card"); if (outer) outer.classList.add("bad"); }
      var slot = key && card.querySelector('[data-slot="' + key + '"]');
      var input = key && card.querySelector('[data-key="' + key + '"]');
      if (input && cls !== "warn") input.classList.add("bad");
      slot = slot || card.querySelector('[data-slot="_"]');
      if (!slot) return;
      slot.appendChild(el("span", { cls: cls === "warn" ? "field-warn" : "field-error", text: words(e) }));
    }
    // Where a problem is, in the form: the title of its card.
    function cardTitle(e) {
      var at = fieldOf(e.line), card = at && document.querySelector(at.sel);
      var h = card && card.querySelector("h3, h4");
      return h ? h.textContent + "：" : "";
    }
    function item(e, cls) {
      var where = inForm() && zh ? cardTitle(e) : e.line + ":" + e.column + ": ";
      var li = el("li", { cls: cls || "", text: (cls === "warn" ? "⚠ " : "") + where + words(e) });
      li.dataset.line = e.line;
      problems.appendChild(li);
      mark(e, cls);
    }
    var last = null; // what was shown last, shown again in the other view's words
    function show(r, isSaved) {
      last = [r, isSaved];
      bad = {};
      problems.innerHTML = "";
      document.querySelectorAll(".card.bad, .bad").forEach(function (x) { x.classList.remove("bad"); });
      document.querySelectorAll(".field-error, .field-warn").forEach(function (x) { x.remove(); });
      if (r.ok) {
        var warned = (r.warnings || []).length > 0, d = problems.dataset;
        var restored = isSaved && r.version && r.version.action === "restore";
        var said = el("li", { cls: "ok", text: restored ? d.restored : isSaved ? (warned ? d.savedWarned : d.saved) : (warned ? d.okWarned : d.ok) });
        // A save can be undone: the version it replaced is in the history.
        var replaced = isSaved && r.version && r.version.replaced;
        if (replaced && canEdit) {
          var undo = el("button", { type: "button", id: "undo-save", text: d.undo });
          undo.addEventListener("click", function () {
            if (!window.confirm(d.confirmUndo)) return;
            api("POST", "/api/v1/playlist/restore/" + replaced).then(json).then(function (u) {
              if (u && u.ok) { sessionStorage.setItem("pinghu.saved", JSON.stringify(u)); location.reload(); } else if (u) show(u);
            }, offline);
          });
          said.appendChild(document.createTextNode(" "));
          said.appendChild(undo);
        }
        problems.appendChild(said);
      } else {
        // A refused save says so first: nothing changed on the board.
        if (isSaved) problems.appendChild(el("li", { cls: "error not-saved", text: W.not_saved + W.fix_then_save }));
        (r.errors || []).forEach(function (e) { bad[e.line] = true; item(e); });
      }
      // Warnings do not stop a save: a picture that will look poor, characters shown as boxes.
      (r.warnings || []).forEach(function (e) { item(e, "warn"); });
      numbers();
    }
    // The text the console holds for the form (`base`): a check or a preview of it names it
    // instead of sending the text again.
    function based(url, extra) {
      var held = base && editor.value === baseText, plain = url + (extra ? "?" + extra : "");
      if (!held) return api("POST", plain, editor.value);
      return api("POST", url + "?base=" + base + (extra ? "&" + extra : ""), "").then(function (r) {
        // Forgotten by the console (newer texts, a restart): the text itself, then.
        return r.status === 409 ? api("POST", plain, editor.value) : r;
      });
    }
    function check() {
      return based("/api/v1/playlist/check").then(json).then(function (r) { if (r) show(r); }, offline);
    }

    // The form.
    var days = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
    var dayNames = zh ? ["一", "二", "三", "四", "五", "六", "日"] : ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
    function select(key, value, choices) {
      var s = el("select", { "data-key": key, disabled: !canEdit });
      choices.forEach(function (c) { s.appendChild(el("option", { value: c[0], text: c[1], selected: String(value) === String(c[0]) })); });
      return s;
    }
    function range(value, sep, type) {
      var parts = value ? value.split(sep) : ["", ""];
      if (parts.length !== 2) parts = [value, ""];
      return [el("input", { type: type, value: parts[0] || "", disabled: !canEdit }), el("input", { type: type, value: parts[1] || "", disabled: !canEdit })];
    }
    function slot(key) { return el("span", { "data-slot": key }); }
    // A card's title follows its id and text as they are typed: "节目 2 · notice · 下午三点停水".
    function titled(head, kind, n, parts) {
      head.textContent = [kind + " " + n].concat(parts.filter(function (x) { return x; }).map(function (x) {
        x = String(x).replace(/\s+/g, " ");
        return x.length > 16 ? x.slice(0, 16) + "…" : x;
      })).join(" · ");
      return head;
    }
    // A sample a new item or spot starts with (its text, its id) is replaced by what the clerk
    // types, not appended to: selected whenever its field is entered while it is unchanged. The
    // samples are not sent with the form (a property JSON leaves out).
    function sample(obj, key, value) {
      if (!obj.samples) Object.defineProperty(obj, "samples", { value: {}, enumerable: false });
      obj.samples[key] = value;
    }
    function replaceable(input, obj, key) {
      function still() { return obj.samples && obj.samples[key] != null && input.value === obj.samples[key]; }
      var picked = false;
      input.addEventListener("focus", function () { if (still()) { input.select(); picked = true; } });
      // The click that focused it would put the caret in the selection.
      input.addEventListener("mouseup", function (ev) { if (picked) { picked = false; if (still()) ev.preventDefault(); } });
    }
    function card(it, i) {
      var kept = it.kept || {};
      function isKept(k) { return Object.prototype.hasOwnProperty.call(kept, k); }
      var c = el("div", { cls: "card" });
      c.dataset.index = i;
      var tools = el("span", { cls: "tools" });
      if (canEdit) {
        [["up", -1], ["down", 1]].forEach(function (m) {
          var b = el("button", { type: "button", text: W[m[0]] });
          b.addEventListener("click", function () {
            var j = i + m[1];
            if (j < 0 || j >= model.items.length) return;
            var t = model.items[i]; model.items[i] = model.items[j]; model.items[j] = t;
            render(); changed();
          });
          tools.appendChild(b);
        });
        var rm = el("button", { type: "button", text: W.remove, cls: "remove-item" });
        rm.addEventListener("click", function () {
          if (!window.confirm(W.confirm_remove)) return;
          model.items.splice(i, 1);
          render(); changed();
        });
        tools.appendChild(rm);
      }
      c.appendChild(tools);
      var head = el("h3");
      function retitle() { titled(head, W.item, i + 1, [it.id, it.image || it.text]); }
      retitle();
      c.appendChild(head);
      c.appendChild(slot("_"));
      var id = el("input", { "data-key": "id", value: it.id, disabled: !canEdit, size: 16 });
      id.addEventListener("input", function () { it.id = id.value; retitle(); changed(); });
      replaceable(id, it, "id");
      c.appendChild(el("div", { cls: "row" }, [el("label", { text: W.id + " " }, [id]), slot("id")]));
      // What it shows: a text, or a picture beside the playlist.
      var isImage = !!it.image;
      var kind = select("shows", isImage ? "image" : "text", [["text", W.text], ["image", W.image]]);
      var text = el("textarea", { "data-key": "text", value: it.text, disabled: !canEdit || isKept("text"), rows: 2 });
      text.addEventListener("input", function () { it.text = text.value; retitle(); changed(); });
      replaceable(text, it, "text");
      var pic = select("image", it.image, [["", W.no_picture]].concat(pictureNames.concat(it.image && pictureNames.indexOf(it.image) < 0 ? [it.image] : []).map(function (n) { return [n, n]; })));
      pic.addEventListener("change", function () { it.image = pic.value; retitle(); changed(); });
      function showKind() { text.hidden = kind.value !== "text"; pic.hidden = kind.value !== "image"; }
      kind.addEventListener("change", function () {
        if (kind.value === "text") { it.image = ""; } else { it.text = ""; }
        showKind(); changed();
      });
      showKind();
      c.appendChild(el("div", { cls: "row" }, [el("label", { text: W.shows + " " }, [kind]), text, pic, slot("text"), slot("image"),
        el("small", { cls: "note", text: W.fields_hint })]));
      // When: days, hours, dates, the official calendar.
      var dayBox = el("span", { cls: "days" });
      days.forEach(function (d, k) {
        var b = el("input", { type: "checkbox", checked: (it.days || []).indexOf(d) >= 0, disabled: !canEdit || isKept("days") });
        b.dataset.day = d;
        b.addEventListener("change", function () {
          it.days = days.filter(function (x) { return dayBox.querySelector('[data-day="' + x + '"]').checked; });
          if (it.days.length === 7) it.days = [];
          changed();
        });
        dayBox.appendChild(el("label", { text: dayNames[k] }, [b]));
      });
      dayBox.dataset.key = "days";
      c.appendChild(el("div", { cls: "row" }, [el("span", { text: W.days + "（" + W.every_day + "：" + (zh ? "全不选" : "none ticked") + "） " }), dayBox, slot("days")]));
      var hours = range(isKept("time") ? "" : it.time, "-", "time");
      hours[0].dataset.key = "time";
      hours.forEach(function (h) { h.disabled = h.disabled || isKept("time"); h.addEventListener("change", function () {
        it.time = hours[0].value && hours[1].value ? hours[0].value + "-" + hours[1].value : ""; changed();
      }); });
      var dates = range(isKept("dates") ? "" : it.dates, "..", "date");
      dates[0].dataset.key = "dates";
      dates.forEach(function (h) { h.disabled = h.disabled || isKept("dates"); h.addEventListener("change", function () {
        it.dates = dates[0].value ? dates[0].value + ".." + (dates[1].value || dates[0].value) : ""; changed();
      }); });
      c.appendChild(el("div", { cls: "row" }, [el("label", { text: W.time + " " }, [hours[0], document.createTextNode(" – "), hours[1]]), slot("time"),
        el("label", { text: W.dates + " " }, [dates[0], document.createTextNode(" – "), dates[1]]), slot("dates")]));
      var flags = el("div", { cls: "row" });
      ["workdays_only", "days_off_only"].forEach(function (k) {
        var b = el("input", { type: "checkbox", "data-key": k, checked: !!it[k], disabled: !canEdit || isKept(k) });
        b.addEventListener("change", function () { it[k] = b.checked; changed(); });
        flags.appendChild(el("label", {}, [b, document.createTextNode(" " + W[k])]));
        flags.appendChild(slot(k));
      });
      c.appendChild(flags);
      // How: size, colour, effect, dwell.
      var size = select("font_size", it.font_size == null ? "" : it.font_size, [["", W.default], [12, "12"], [16, "16"], [24, "24"], [32, "32"]]);
      size.addEventListener("change", function () { it.font_size = size.value ? Number(size.value) : null; changed(); });
      var color = select("color", it.color, [["", W.default], ["red", W.red], ["green", W.green], ["yellow", W.yellow]]);
      color.addEventListener("change", function () { it.color = color.value; changed(); });
      var effect = select("effect", it.effect, [["", W.default]].concat(["auto", "static", "scroll-left", "scroll-up", "flash", "typewriter"].map(function (e) { return [e, W[e]]; })));
      effect.addEventListener("change", function () { it.effect = effect.value; changed(); });
      var dwell = el("input", { type: "number", min: 1, max: 3600, "data-key": "dwell_s", value: it.dwell_s == null ? "" : it.dwell_s, disabled: !canEdit, style: "width:5em" });
      dwell.addEventListener("input", function () { it.dwell_s = dwell.value ? Number(dwell.value) : null; changed(); });
      c.appendChild(el("div", { cls: "row" }, [el("label", { text: W.font_size + " " }, [size]), slot("font_size"), el("label", { text: W.color + " " }, [color]), slot("color"),
        el("label", { text: W.effect + " " }, [effect]), slot("effect"), el("label", { text: W.dwell_s + " " }, [dwell]), slot("dwell_s")]));
      var keptList = Object.keys(kept).map(function (k) { return (W["k_" + k] || k) + "：" + keptWords(kept[k]); });
      if (keptList.length) c.appendChild(el("p", { cls: "note kept", text: W.kept + keptList.join("；") }));
      c.appendChild(el("div", { cls: "card-preview" }));
      return c;
    }

    // Campaigns: paid time as an operator sells it, each with its spots (docs/campaigns.md).
    function number(key, value, min, max, step) {
      return el("input", { type: "number", min: min, max: max, step: step || 1, "data-key": key,
        value: value == null ? "" : value, disabled: !canEdit });
    }
    function moveTools(list, i, render1, what) {
      var tools = el("span", { cls: "tools" });
      if (!canEdit) return tools;
      [["up", -1], ["down", 1]].forEach(function (m) {
        var b = el("button", { type: "button", text: W[m[0]], cls: "move-" + m[0] });
        b.addEventListener("click", function () {
          var j = i + m[1];
          if (j < 0 || j >= list.length) return;
          var t = list[i]; list[i] = list[j]; list[j] = t;
          render1(); changed();
        });
        tools.appendChild(b);
      });
      var rm = el("button", { type: "button", text: W.remove, cls: "remove-" + what });
      rm.addEventListener("click", function () {
        if (!window.confirm(W["confirm_remove_" + what])) return;
        list.splice(i, 1);
        render1(); changed();
      });
      tools.appendChild(rm);
      return tools;
    }
    // A value the form keeps as written, without TOML's marks: ["morning", "afternoon"] reads
    // morning、afternoon, "x" reads x.
    function keptWords(v) {
      var t = String(v).trim();
      if (t.charAt(0) === "[" && t.charAt(t.length - 1) === "]") t = t.slice(1, -1);
      return t.split(",").map(function (p) { return p.trim().replace(/^"(.*)"$/, "$1"); })
        .filter(function (p) { return p !== ""; }).join("、");
    }
    function keptNote(kept) {
      var list = Object.keys(kept || {}).map(function (k) { return (W["k_" + k] || k) + "：" + keptWords(kept[k]); });
      return list.length ? el("p", { cls: "note kept", text: W.kept + list.join("；") }) : null;
    }
    function isWindow(h) { return /^\d\d:\d\d-\d\d:\d\d$/.test(h); }
    // Its picture or text; a spot's window is its campaign's.
    function spotCard(c, sp, j) {
      var kept = sp.kept || {};
      var box = el("div", { cls: "spot" });
      box.dataset.spot = j;
      box.appendChild(moveTools(c.spots, j, render, "spot"));
      var head = el("h4");
      function retitle() { titled(head, W.spot, j + 1, [sp.id, sp.image || sp.text]); }
      retitle();
      box.appendChild(head);
      box.appendChild(slot("_"));
      var id = el("input", { "data-key": "id", value: sp.id, disabled: !canEdit || "id" in kept, size: 16 });
      id.addEventListener("input", function () { sp.id = id.value; retitle(); changed(); });
      replaceable(id, sp, "id");
      box.appendChild(el("div", { cls: "row" }, [el("label", { text: W.id + " " }, [id]), slot("id")]));
      var kind = select("shows", sp.image ? "image" : "text", [["text", W.text], ["image", W.image]]);
      var text = el("textarea", { "data-key": "text", value: sp.text, disabled: !canEdit || "text" in kept, rows: 2 });
      text.addEventListener("input", function () { sp.text = text.value; retitle(); changed(); });
      replaceable(text, sp, "text");
      var pic = select("image", sp.image, [["", W.no_picture]].concat(pictureNames.concat(sp.image && pictureNames.indexOf(sp.image) < 0 ? [sp.image] : []).map(function (n) { return [n, n]; })));
      pic.addEventListener("change", function () { sp.image = pic.value; retitle(); changed(); });
      function showKind() { text.hidden = kind.value !== "text"; pic.hidden = kind.value !== "image"; }
      kind.addEventListener("change", function () {
        if (kind.value === "text") sp.image = ""; else sp.text = "";
        showKind(); changed();
      });
      showKind();
      box.appendChild(el("div", { cls: "row" }, [el("label", { text: W.shows + " " }, [kind]), text, pic, slot("text"), slot("image")]));
      var k = keptNote(kept);
      if (k) box.appendChild(k);
      box.appendChild(el("div", { cls: "card-preview" }));
      return box;
    }
    function campaignCard(c, i) {
      var kept = c.kept || {};
      function isKept(k) { return Object.prototype.hasOwnProperty.call(kept, k); }
      var card = el("div", { cls: "card campaign" });
      card.dataset.campaign = i;
      card.appendChild(moveTools(model.campaigns, i, render, "campaign"));
      var head = el("h3");
      function retitle() { titled(head, W.campaign, i + 1, [c.id, c.advertiser]); }
      retitle();
      card.appendChild(head);
      card.appendChild(slot("_"));
      // Who: the campaign, the advertiser, the contract.
      var who = el("div", { cls: "row" });
      ["id", "advertiser", "contract"].forEach(function (key) {
        var inp = el("input", { "data-key": key, value: c[key], disabled: !canEdit || isKept(key), size: key === "id" ? 16 : 20 });
        inp.addEventListener("input", function () { c[key] = inp.value; retitle(); changed(); });
        if (key === "id") replaceable(inp, c, "id");
        who.appendChild(el("label", { text: W[key] + " " }, [inp]));
        who.appendChild(slot(key));
      });
      card.appendChild(who);
      // When: the contract's dates, days of the week, working days, hours.
      var when = el("div", { cls: "row" });
      ["start_date", "end_date"].forEach(function (key) {
        var inp = el("input", { type: "date", "data-key": key, value: c[key], disabled: !canEdit || isKept(key) });
        inp.addEventListener("change", function () { c[key] = inp.value; changed(); });
        when.appendChild(el("label", { text: W[key] + " " }, [inp]));
        when.appendChild(slot(key));
      });
      card.appendChild(when);
      var dayBox = el("span", { cls: "days" });
      days.forEach(function (d, k) {
        var b = el("input", { type: "checkbox", checked: (c.days || []).indexOf(d) >= 0, disabled: !canEdit || isKept("days") });
        b.dataset.day = d;
        b.addEventListener("change", function () {
          c.days = days.filter(function (x) { return dayBox.querySelector('[data-day="' + x + '"]').checked; });
          if (c.days.length === 7) c.days = [];
          changed();
        });
        dayBox.appendChild(el("label", { text: dayNames[k] }, [b]));
      });
      dayBox.dataset.key = "days";
      var wd = el("input", { type: "checkbox", "data-key": "workdays_only", checked: !!c.workdays_only, disabled: !canEdit || isKept("workdays_only") });
      wd.addEventListener("change", function () { c.workdays_only = wd.checked; changed(); });
      card.appendChild(el("div", { cls: "row" }, [el("span", { text: W.days + "（" + W.every_day + "：" + (zh ? "全不选" : "none ticked") + "） " }), dayBox, slot("days"),
        el("label", {}, [wd, document.createTextNode(" " + W.workdays_only)]), slot("workdays_only")]));
      // Hours: windows to edit; a daypart's name is shown as written, not edited here.
      var hoursRow = el("div", { cls: "row" }, [el("span", { text: W.hours + "（" + W.all_day + "：" + (zh ? "不填" : "none") + "） " })]);
      var hoursBox = el("span", { "data-key": "hours" });
      (c.hours || []).forEach(function (h, k) {
        if (!isWindow(h)) { hoursBox.appendChild(el("span", { cls: "daypart", title: W.daypart, text: h + " " + W.daypart })); return; }
        var r = range(h, "-", "time");
        r.forEach(function (x) {
          x.disabled = x.disabled || isKept("hours");
          x.addEventListener("change", function () {
            if (r[0].value && r[1].value) { c.hours[k] = r[0].value + "-" + r[1].value; changed(); }
          });
        });
        var w = el("span", { cls: "window" }, [r[0], document.createTextNode("–"), r[1]]);
        if (canEdit && !isKept("hours")) {
          var x = el("button", { type: "button", text: "×", title: W.remove });
          x.addEventListener("click", function () { c.hours.splice(k, 1); render(); changed(); });
          w.appendChild(x);
        }
        hoursBox.appendChild(w);
      });
      hoursRow.appendChild(hoursBox);
      if (canEdit && !isKept("hours")) {
        var addW = el("button", { type: "button", text: W.add_window, cls: "add-window" });
        addW.addEventListener("click", function () { c.hours = (c.hours || []).concat(["08:00-12:00"]); render(); changed(); });
        hoursRow.appendChild(addW);
      }
      hoursRow.appendChild(slot("hours"));
      card.appendChild(hoursRow);
      // What it bought: one target; a share is shown in percent and kept as the fraction.
      var targetKept = TARGETS.some(isKept);
      var target = select("target", c.target, [["", W.choose_target]].concat(TARGETS.map(function (t) { return [t, W[t]]; })));
      target.disabled = target.disabled || targetKept;
      function shown() {
        if (c.amount == null) return "";
        return c.target === "share" ? Number((c.amount * 100).toFixed(4)) : c.amount;
      }
      var amount = number("amount", shown(), 0, c.target === "share" ? 99 : 86400, c.target === "share" ? "any" : 1);
      amount.disabled = amount.disabled || targetKept;
      amount.addEventListener("input", function () {
        var v = amount.value === "" ? null : Number(amount.value);
        c.amount = v == null || isNaN(v) ? null : (c.target === "share" ? v / 100 : v);
        changed();
      });
      target.addEventListener("change", function () {
        // The number the operator typed stays the same number under the new kind of target.
        var v = amount.value === "" ? null : Number(amount.value);
        c.target = target.value;
        c.amount = v == null || isNaN(v) ? null : (c.target === "share" ? v / 100 : v);
        amount.max = c.target === "share" ? 99 : 86400;
        amount.step = c.target === "share" ? "any" : 1;
        changed();
      });
      var mph = number("max_per_hour", c.max_per_hour, 1, 3600);
      mph.disabled = mph.disabled || isKept("max_per_hour");
      mph.addEventListener("input", function () { c.max_per_hour = mph.value ? Number(mph.value) : null; changed(); });
      var sep = number("separation_s", c.separation_s, 0, 86400);
      sep.disabled = sep.disabled || isKept("separation_s");
      sep.addEventListener("input", function () { c.separation_s = sep.value ? Number(sep.value) : null; changed(); });
      card.appendChild(el("div", { cls: "row" }, [el("label", { text: W.target + " " }, [target]), el("label", {}, [amount]), slot("target"), slot("amount")]));
      card.appendChild(el("div", { cls: "row" }, [el("label", { text: W.max_per_hour + " " }, [mph]), slot("max_per_hour"),
        el("label", { text: W.separation_s + " " }, [sep]), slot("separation_s")]));
      // How its spots look.
      var size = select("font_size", c.font_size == null ? "" : c.font_size, [["", W.default], [12, "12"], [16, "16"], [24, "24"], [32, "32"]]);
      size.addEventListener("change", function () { c.font_size = size.value ? Number(size.value) : null; changed(); });
      var color = select("color", c.color, [["", W.default], ["red", W.red], ["green", W.green], ["yellow", W.yellow]]);
      color.addEventListener("change", function () { c.color = color.value; changed(); });
      var effect = select("effect", c.effect, [["", W.default]].concat(["auto", "static", "scroll-left", "scroll-up", "flash", "typewriter"].map(function (e) { return [e, W[e]]; })));
      effect.addEventListener("change", function () { c.effect = effect.value; changed(); });
      var dwell = number("dwell_s", c.dwell_s, 1, 3600);
      dwell.addEventListener("input", function () { c.dwell_s = dwell.value ? Number(dwell.value) : null; changed(); });
      [size, color, effect, dwell].forEach(function (x) { x.disabled = x.disabled || isKept(x.dataset.key); });
      card.appendChild(el("div", { cls: "row" }, [el("span", { text: W.spot_style + "： " }), el("label", { text: W.font_size + " " }, [size]), slot("font_size"),
        el("label", { text: W.color + " " }, [color]), slot("color"), el("label", { text: W.effect + " " }, [effect]), slot("effect"),
        el("label", { text: W.dwell_s + " " }, [dwell]), slot("dwell_s")]));
      var k = keptNote(kept);
      if (k) card.appendChild(k);
      (c.spots || []).forEach(function (sp, j) { card.appendChild(spotCard(c, sp, j)); });
      if (canEdit) {
        var addS = el("button", { type: "button", text: W.add_spot, cls: "add-spot" });
        addS.addEventListener("click", function () {
          c.spots = c.spots || [];
          var sp = { source: null, id: freeId((c.id || "spot") + "-", c.spots.length + 1), text: W.new_spot, image: "", kept: {}, lines: {} };
          sample(sp, "text", sp.text);
          sample(sp, "id", sp.id);
          c.spots.push(sp);
          render(); changed();
          var spots = document.querySelectorAll('.campaign[data-campaign="' + i + '"] .spot');
          spots[spots.length - 1].querySelector("textarea").focus();
        });
        card.appendChild(addS);
      }
      return card;
    }
    // An id no item, campaign or spot of the form has yet.
    function freeId(stem, n) {
      var taken = {};
      model.items.forEach(function (x) { taken[x.id] = true; });
      (model.campaigns || []).forEach(function (c) { taken[c.id] = true; (c.spots || []).forEach(function (s) { taken[s.id] = true; }); });
      while (taken[stem + n]) n++;
      return stem + n;
    }
    function render() {
      var box = document.getElementById("items");
      box.innerHTML = "";
      model.items.forEach(function (it, i) { box.appendChild(card(it, i)); });
      var rows = document.getElementById("brightness-rows");
      rows.innerHTML = "";
      model.brightness.forEach(function (b, i) {
        var h = range(b.time, "-", "time");
        h.forEach(function (x) { x.addEventListener("change", function () { b.time = h[0].value && h[1].value ? h[0].value + "-" + h[1].value : ""; changed(); }); });
        var lv = el("input", { type: "number", min: 0, max: 15, value: b.level, disabled: !canEdit, style: "width:4em" });
        lv.addEventListener("input", function () { b.level = Number(lv.value) || 0; changed(); });
        var row = el("div", { cls: "row" }, [h[0], document.createTextNode(" – "), h[1], el("label", { text: " " + W.level + " " }, [lv])]);
        if (canEdit) {
          var rm = el("button", { type: "button", text: W.remove });
          rm.addEventListener("click", function () { model.brightness.splice(i, 1); render(); changed(); });
          row.appendChild(rm);
        }
        rows.appendChild(row);
      });
      var on = document.getElementById("power-on"), off = document.getElementById("power-off");
      on.value = model.power ? model.power.on : ""; off.value = model.power ? model.power.off : "";
      on.disabled = off.disabled = !canEdit;
      var camps = document.getElementById("campaigns");
      camps.innerHTML = "";
      (model.campaigns || []).forEach(function (c, i) { camps.appendChild(campaignCard(c, i)); });
      var floor = document.getElementById("government-floor");
      floor.value = model.government_floor == null ? "" : Number((model.government_floor * 100).toFixed(4));
      floor.disabled = !canEdit;
      var note = document.getElementById("form-note");
      note.textContent = model.elsewhere && model.elsewhere.length ? W.elsewhere + model.elsewhere.map(function (k) { return W["k_" + k] || k; }).join("、") : "";
    }
    function power() {
      var on = document.getElementById("power-on").value, off = document.getElementById("power-off").value;
      model.power = on || off ? { on: on, off: off } : null;
      changed();
    }
    document.getElementById("government-floor").addEventListener("input", function (e) {
      var v = e.target.value === "" ? null : Number(e.target.value);
      model.government_floor = v == null || isNaN(v) ? null : v / 100;
      changed();
    });
    var addCampaign = document.getElementById("add-campaign");
    if (addCampaign) addCampaign.addEventListener("click", function () {
      var id = freeId("campaign-", (model.campaigns || []).length + 1);
      var today = new Date().toISOString().slice(0, 10);
      model.campaigns = model.campaigns || [];
      model.campaigns.push({ source: null, id: id, advertiser: "", contract: "", start_date: today, end_date: today, days: [],
        workdays_only: false, hours: [], target: "plays_per_day", amount: null, max_per_hour: null, separation_s: null,
        font_size: null, color: "", effect: "", dwell_s: null, kept: {}, lines: {},
        spots: [{ source: null, id: id + "-1", text: W.new_spot, image: "", kept: {}, lines: {} }] });
      var fresh = model.campaigns[model.campaigns.length - 1];
      sample(fresh, "id", id);
      sample(fresh.spots[0], "id", fresh.spots[0].id);
      sample(fresh.spots[0], "text", W.new_spot);
      render(); changed();
      var cards = document.querySelectorAll("#campaigns .campaign");
      var last = cards[cards.length - 1];
      last.scrollIntoView({ block: "center" });
      last.querySelector('[data-key="advertiser"]').focus();
    });
    document.getElementById("power-on").addEventListener("change", power);
    document.getElementById("power-off").addEventListener("change", power);
    var addItem = document.getElementById("add-item");
    if (addItem) addItem.addEventListener("click", function () {
      var n = model.items.length + 1, id = "item-" + n;
      while (model.items.some(function (x) { return x.id === id; })) id = "item-" + (++n);
      var it = { source: null, id: id, text: W.new_item, image: "", days: [], time: "", dates: "", workdays_only: false,
        days_off_only: false, font_size: null, color: "", effect: "", dwell_s: null, kept: {}, lines: {} };
      sample(it, "id", id);
      sample(it, "text", W.new_item);
      model.items.push(it);
      render(); changed();
      var cards = document.querySelectorAll("#items .card");
      var last = cards[cards.length - 1];
      last.scrollIntoView({ block: "center" });
      last.querySelector("textarea").focus();
    });
    var addBright = document.getElementById("add-brightness");
    if (addBright) addBright.addEventListener("click", function () {
      model.brightness.push({ source: null, time: "06:00-19:00", level: 15 });
      render(); changed();
    });

    // A form edit is written into the text (debounced), then checked, as a hand edit would be.
    // Only what changed is sent, against the text the console holds for the form (`base`): the
    // items as runs of those left as they were and the ones changed or added, and the settings
    // that changed; the answer is the stretch of text that changed. A request is as large as the
    // edit, whatever the playlist's length.
    var timer = null, pending = null;
    var base = null, baseText = null, baseForm = null;
    function editable(x) {
      return JSON.stringify(x, function (k, v) { return k === "lines" || k === "kept" || k === "line" ? undefined : v; });
    }
    function snapshot() {
      baseForm = {
        items: model.items.map(editable),
        campaigns: (model.campaigns || []).map(editable),
        brightness: editable(model.brightness),
        power: editable(model.power || null),
        floor: model.government_floor
      };
    }
    function runs(list, old) {
      var out = [], run = null;
      list.forEach(function (x) {
        var s = x.source;
        if (s != null && old[s] === editable(x)) {
          if (run && run[1] === s - 1) run[1] = s;
          else { run = [s, s]; out.push({ same: run }); }
        } else { run = null; out.push({ form: JSON.parse(editable(x)) }); }
      });
      return out;
    }
    function edit() {
      var e = { items: runs(model.items, baseForm.items), campaigns: runs(model.campaigns || [], baseForm.campaigns) };
      if (editable(model.brightness) !== baseForm.brightness) e.brightness = JSON.parse(editable(model.brightness));
      if (editable(model.power || null) !== baseForm.power) e.power = JSON.parse(editable(model.power || null));
      if (model.government_floor !== baseForm.floor) e.government_floor = model.government_floor;
      return e;
    }
    function changed() {
      clearTimeout(timer);
      timer = setTimeout(apply, 350);
    }
    function postForm(url, body, type) {
      return fetch(url, { method: "POST", body: body, credentials: "same-origin",
        headers: { "X-CSRF-Token": csrf, "Content-Type": type } });
    }
    // The text handed to the console for the form: its `base` and its form.
    function hold(text) {
      return postForm("/api/v1/playlist/form/read", text, "text/plain; charset=utf-8").then(json).then(function (r) {
        if (r && r.ok) { base = r.base; baseText = text; }
        return r;
      });
    }
    function apply(again) {
      timer = null;
      var e = edit(), body = JSON.stringify({ base: base, edit: e });
      var sent = { items: model.items.slice(), campaigns: (model.campaigns || []).slice() };
      // What was sent becomes the base (an edit typed meanwhile stays to send): its entries
      // numbered as the new text has them.
      var next = {
        items: sent.items.map(editable), campaigns: sent.campaigns.map(editable),
        brightness: editable(model.brightness), power: editable(model.power || null), floor: model.government_floor
      };
      function renumber(list) {
        return list.map(function (j, i) {
          var x = JSON.parse(j);
          x.source = i;
          (x.spots || []).forEach(function (sp, k) { sp.source = k; });
          return JSON.stringify(x);
        });
      }
      var campaignsChanged = !(e.campaigns.length === 0 && baseForm.campaigns.length === 0) &&
        !(e.campaigns.length === 1 && e.campaigns[0].same && e.campaigns[0].same[0] === 0 && e.campaigns[0].same[1] === baseForm.campaigns.length - 1);
      pending = postForm("/api/v1/playlist/form", body, "application/json")
        .then(function (r) { return r.status === 409 ? r.json() : json(r); }).then(function (r) {
          if (!r) return;
          // The console forgot the text (newer ones, a restart): hand it over again, then the edit.
          if (r.base_gone && !again) return hold(baseText).then(function (h) { if (h && h.ok) return apply(true); });
          if (!r.ok) { say((zh && r.error_zh) || r.error); return; }
          var old = editor.value, sp = r.splice;
          editor.value = old.slice(0, sp.at) + sp.insert + old.slice(sp.at + sp.remove);
          base = r.base; baseText = editor.value;
          // The lines after the stretch moved; the entries in it are read anew.
          function shift(lines) { Object.keys(lines).forEach(function (k) { if (lines[k] > r.shift.after) lines[k] += r.shift.by; }); }
          sent.items.forEach(function (it, i) { it.source = i; it.lines = it.lines || {}; shift(it.lines); });
          r.form.items.forEach(function (x) { var it = sent.items[x.index]; if (it) { it.lines = x.lines; it.kept = x.kept; } });
          r.form.brightness.forEach(function (b, i) { if (model.brightness[i]) model.brightness[i].source = b.source; });
          model.government_floor_line = r.form.government_floor_line;
          (r.form.campaigns || []).forEach(function (c, i) {
            var m = sent.campaigns[i];
            if (!m) return;
            m.source = c.source; m.lines = c.lines; m.kept = c.kept;
            (c.spots || []).forEach(function (sp, j) { if (m.spots[j]) { m.spots[j].source = sp.source; m.spots[j].lines = sp.lines; m.spots[j].kept = sp.kept; } });
          });
          next.items = renumber(next.items);
          next.campaigns = renumber(next.campaigns);
          baseForm = next;
          keepDraft();
          numbers();
          // The cards of the entries the edit touched are drawn again: its items, and the spots
          // when a campaign changed (the spots come after the items, as the preview counts them).
          var windows = [], touched = r.form.items.map(function (x) { return x.index; });
          if (touched.length) {
            var lo = Math.min.apply(null, touched), hi = Math.max.apply(null, touched);
            windows.push("from=" + lo + "&count=" + Math.min(hi - lo + 1, 50));
          }
          var spots = sent.campaigns.reduce(function (n, c) { return n + (c.spots || []).length; }, 0);
          if (campaignsChanged && spots) windows.push("from=" + sent.items.length + "&count=" + Math.min(spots, 50));
          return check().then(function () {
            return windows.reduce(function (p, w) { return p.then(function () { return preview(true, w); }); }, Promise.resolve());
          });
        }, offline);
      return pending;
    }
    function flush() {
      if (timer) { clearTimeout(timer); timer = null; return apply(); }
      return pending || Promise.resolve();
    }
    function loadForm(text) {
      return hold(text).then(function (r) {
          if (!r) return false;
          if (!r.ok) { say((zh && r.error_zh) || r.error); tab("toml"); return false; }
          model = r.form;
          snapshot();
          render();
          return true;
        }, offline);
    }
    function tab(which) {
      var form = which === "form";
      document.getElementById("tab-form").setAttribute("aria-selected", String(form));
      document.getElementById("tab-toml").setAttribute("aria-selected", String(!form));
      formView.hidden = !form;
      tomlView.hidden = form;
      if (addItem) addItem.hidden = !form;
      if (form) loadForm(editor.value).then(function () { if (last) show(last[0], last[1]); });
      else if (last) show(last[0], last[1]);
    }
    document.getElementById("tab-form").addEventListener("click", function () { tab("form"); });
    document.getElementById("tab-toml").addEventListener("click", function () { flush().then(function () { tab("toml"); numbers(); }); });
    editor.addEventListener("input", function () { numbers(); keepDraft(); });
    editor.addEventListener("scroll", function () { gutter.scrollTop = editor.scrollTop; });
    numbers();
    loadForm(editor.value);

    // An unsaved edit from before (a session that ended, a tab closed) is offered back.
    var draft = null;
    try { draft = JSON.parse(localStorage.getItem(DRAFT) || "null"); } catch (e) { draft = null; }
    if (draft && draft.text !== saved && canEdit) {
      var offer = document.getElementById("draft");
      offer.hidden = false;
      document.getElementById("draft-restore").addEventListener("click", function () {
        editor.value = draft.text;
        offer.hidden = true;
        numbers(); keepDraft();
        loadForm(editor.value).then(check);
      });
      document.getElementById("draft-drop").addEventListener("click", function () {
        localStorage.removeItem(DRAFT);
        offer.hidden = true;
      });
    }

    // The items' and spots' pages as the board shows them, in their cards (the first window of
    // the playlist's items, as the console draws it); `quiet` (after a form edit): the cards of
    // the window `touched` only (`from=N&count=M`), leaving the problems the check listed.
    function preview(quiet, touched) {
      return based("/api/v1/playlist/preview", touched || "").then(json).then(function (r) {
        if (!r) return;
        var box = document.getElementById("preview");
        if (!quiet) box.innerHTML = "";
        if (!r.ok) {
          if (!quiet) show(r);
          // A card with a problem shows no pages rather than what it showed before the edit.
          document.querySelectorAll(".card.bad .card-preview").forEach(function (p) { p.innerHTML = ""; });
          return;
        }
        var cleared = [];
        if (!touched) document.querySelectorAll(".card-preview").forEach(function (p) { p.innerHTML = ""; });
        if (!quiet) show({ ok: true, warnings: r.warnings });
        r.items.forEach(function (it) {
          if (it.cut) return;
          var at = fieldOf(it.line);
          var holder = at && document.querySelector(at.sel);
          var inCard = holder && holder.querySelector(".card-preview");
          if (inCard && cleared.indexOf(inCard) < 0) { inCard.innerHTML = ""; cleared.push(inCard); }
          if (!quiet) box.appendChild(el("h3", { text: it.id + " (" + it.line + ") · " + (W[it.effect] || it.effect) + " · " + it.dwell_s.join("/") + " s" +
            (it.missing ? " · ☐ " + it.missing : "") }));
          it.pages.forEach(function (src) {
            if (!quiet) box.appendChild(el("img", { src: src, cls: "page" }));
            if (inCard) inCard.appendChild(el("img", { src: src, cls: "page" }));
          });
        });
      }, offline);
    }
    document.getElementById("preview-button").addEventListener("click", function () {
      flush().then(function () { return preview(false); });
    });
    document.getElementById("check").addEventListener("click", function () { flush().then(check); });
    var save = document.getElementById("save");
    if (save) {
      save.addEventListener("click", function () {
        flush().then(function () {
          return api("PUT", "/api/v1/playlist", editor.value).then(saving);
        }).then(function (r) {
          if (!r) return;
          show(r, true);
          if (r.ok) {
            saved = editor.value;
            keepDraft();
            // Reload for the new history and week; what the save said is shown again after it.
            sessionStorage.setItem("pinghu.saved", JSON.stringify(r));
            setTimeout(function () { location.reload(); }, 400);
          }
        }, function () { say(W.not_saved + W.offline); });
      });
    }
    var said = sessionStorage.getItem("pinghu.saved");
    if (said) {
      sessionStorage.removeItem("pinghu.saved");
      try { show(JSON.parse(said), true); } catch (e) { /* nothing to show */ }
    }
    document.querySelectorAll("button.restore").forEach(function (b) {
      b.addEventListener("click", function () {
        if (!window.confirm(b.dataset.confirm || b.textContent + "?")) return;
        api("POST", "/api/v1/playlist/restore/" + b.dataset.sha).then(json).then(function (r) {
          if (r && r.ok) location.reload(); else if (r) show(r);
        }, offline);
      });
    });
  }

  // Users (admins): each change is one typed request to /api/v1/users, audited by the daemon.
  var usersTable = document.getElementById("users");
  if (usersTable) {
    var result = document.getElementById("user-result");
    var zhUsers = document.documentElement.lang === "zh-CN";
    var d = usersTable.dataset;
    function changeUser(body, url) {
      return fetch(url || "/api/v1/users", { method: "POST", body: JSON.stringify(body), credentials: "same-origin",
        headers: { "X-CSRF-Token": csrf, "Content-Type": "application/json" } }).then(function (r) {
          return r.headers.get("content-type") === "application/json" ? r.json() : refusal(r).then(function (t) { return { ok: false, error: t }; });
        }).then(function (r) {
          result.className = r.ok ? "ok" : "error";
          if (!r.ok) { result.textContent = (zhUsers && r.error_zh) || r.error; return r; }
          if (r.token) {
            result.textContent = d.tokenOnce + " ";
            var code = document.createElement("code");
            code.id = "new-token";
            code.textContent = r.token;
            result.appendChild(code);
          } else if (r.secret) {
            // Two-step set-up begun: the QR code, the key in groups of four, the app's link.
            result.textContent = "";
            setup.hidden = false;
            document.getElementById("totp-qr").src = "data:image/svg+xml," + encodeURIComponent(r.qr_svg);
            document.getElementById("totp-secret").textContent = r.secret.replace(/(.{4})/g, "$1 ").trim();
            document.getElementById("totp-uri").href = r.uri;
            setup.scrollIntoView();
            setup.querySelector("input[name=code]").focus();
          } else {
            result.textContent = d.done;
            setTimeout(function () { location.reload(); }, 600);
          }
          return r;
        }, function () { result.className = "error"; result.textContent = "✗"; });
    }
    // Two-step sign-in: its own requests, for the admin themself or another's reset.
    var setup = document.getElementById("totp-setup");
    function totp(body) { return changeUser(body, "/api/v1/users/totp"); }
    document.getElementById("totp-confirm").addEventListener("submit", function (e) {
      e.preventDefault();
      var input = e.target.code;
      totp({ action: "confirm", code: input.value }).then(function (r) {
        if (r && !r.ok) { input.select(); result.scrollIntoView(); }
      });
    });
    usersTable.querySelectorAll("select.role").forEach(function (sel) {
      sel.addEventListener("change", function () { changeUser({ action: "role", name: sel.dataset.name, role: sel.value }); });
    });
    usersTable.querySelectorAll("td.user-actions button").forEach(function (b) {
      b.addEventListener("click", function () {
        var name = b.closest("tr").dataset.name, action = b.dataset.action;
        if (action === "remove" && !window.confirm(d.confirmRemove)) return;
        if (action === "disable" && !window.confirm(d.confirmDisable)) return;
        if (action === "totp_begin") { totp({ action: "begin" }); return; }
        if (action === "totp_disable") {
          var code = window.prompt(d.askCode);
          if (code) totp({ action: "disable", code: code });
          return;
        }
        if (action === "totp_reset") {
          if (window.confirm(d.confirmTotpReset)) totp({ action: "reset", name: name });
          return;
        }
        var body = { action: action, name: name };
        if (action === "password") {
          var pw = window.prompt(d.askPassword);
          if (!pw) return;
          body.password = pw;
        }
        changeUser(body);
      });
    });
    document.getElementById("add-user").addEventListener("submit", function (e) {
      e.preventDefault();
      var f = e.target;
      changeUser({ action: "add", name: f.name.value, role: f.role.value, password: f.password.value });
    });
  }

  // Pictures beside the playlist: upload, list, remove.
  var pictures = document.getElementById("pictures");
  if (pictures) {
    var result = document.getElementById("picture-result");
    function rows(list) {
      pictures.querySelectorAll("tr[data-name]").forEach(function (tr) { tr.remove(); });
      list.forEach(function (f) {
        var tr = document.createElement("tr");
        tr.dataset.name = f.name;
        var name = document.createElement("td");
        name.textContent = f.name;
        var look = document.createElement("td");
        var img = document.createElement("img");
        img.className = "picture";
        img.alt = f.name;
        img.src = "/api/v1/pictures/" + encodeURIComponent(f.name) + "/board.png?scale=2&t=" + Date.now();
        look.appendChild(img);
        var kb = document.createElement("td");
        kb.textContent = Math.ceil(f.bytes / 1024);
        var used = document.createElement("td");
        used.textContent = f.used_by.length ? f.used_by.join(", ") : pictures.dataset.unused;
        if (f.removal_waiting) {
          // The office asked to remove it: it goes once no item shows it.
          var waiting = document.createElement("span");
          waiting.className = "removal-waiting";
          waiting.textContent = pictures.dataset.removalWaiting;
          used.appendChild(document.createElement("br"));
          used.appendChild(waiting);
        }
        var act = document.createElement("td");
        if (pictures.dataset.edits === "true" && !f.used_by.length) {
          var b = document.createElement("button");
          b.type = "button";
          b.className = "delete-picture";
          b.dataset.name = f.name;
          b.textContent = pictures.dataset.delete;
          act.appendChild(b);
        }
        [name, look, kb, used, act].forEach(function (td) { tr.appendChild(td); });
        pictures.appendChild(tr);
      });
    }
    function refresh() {
      return api("GET", "/api/v1/pictures").then(function (r) { return r.json(); }).then(rows);
    }
    pictures.addEventListener("click", function (e) {
      var b = e.target.closest("button.delete-picture");
      if (!b) return;
      if (!window.confirm(pictures.dataset.confirmDelete + " " + b.dataset.name)) return;
      api("DELETE", "/api/v1/pictures/" + encodeURIComponent(b.dataset.name)).then(function (r) { return r.json(); })
        .then(function (r) {
          result.className = r.ok ? "" : "error";
          result.textContent = r.ok ? "" : (document.documentElement.lang === "zh-CN" && r.error_zh) || r.error;
          return refresh();
        });
    });
    var upload = document.getElementById("upload");
    if (upload) {
      upload.addEventListener("click", function () {
        var file = document.getElementById("picture-file").files[0];
        if (!file) return;
        api("PUT", "/api/v1/pictures/" + encodeURIComponent(file.name), file).then(function (r) { return r.json(); })
          .then(function (r) {
            result.className = r.ok ? (r.warnings.length ? "warn" : "ok") : "error";
            result.textContent = r.ok
              ? result.dataset.uploaded + " " + r.name + " (" + r.width + "×" + r.height + ")" +
                (document.documentElement.lang === "zh-CN" && r.warnings_zh ? r.warnings_zh : r.warnings)
                  .map(function (w) { return " ⚠ " + w; }).join("")
              : (document.documentElement.lang === "zh-CN" && r.error_zh) || r.error;
            return refresh();
          });
      });
    }
  }

  // Proof of display.
  var date = document.getElementById("proof-date");
  if (date) {
    function load() {
      document.getElementById("proof-csv").href = "/api/v1/proof?format=csv&date=" + date.value;
      api("GET", "/api/v1/proof?date=" + date.value).then(function (r) { return r.json(); }).then(function (r) {
        var chain = document.getElementById("proof-chain");
        chain.textContent = r.chain_ok ? chain.dataset.ok : chain.dataset.damaged;
        var t = document.getElementById("proof");
        // Times in the board's zone, written the operator's way.
        var local = new Intl.DateTimeFormat(t.dataset.lang, {
          timeZone: r.time_zone, hour12: false, year: "numeric", month: "2-digit", day: "2-digit",
          hour: "2-digit", minute: "2-digit", second: "2-digit"
        });
        t.textContent = "";
        var head = document.createElement("tr");
        t.dataset.heads.split(",").forEach(function (h) {
          var th = document.createElement("th");
          th.textContent = h;
          head.appendChild(th);
        });
        t.appendChild(head);
        r.entries.forEach(function (e) {
          var tr = document.createElement("tr");
          var at = new Date(e.at);
          [e.seq, isNaN(at) ? e.at : local.format(at), content(e.content), word(e.layer), e.frame_sha256.slice(0, 12)].forEach(function (v) {
            var td = document.createElement("td");
            td.textContent = v;
            tr.appendChild(td);
          });
          t.appendChild(tr);
        });
      });
    }
    date.addEventListener("change", load);
    load();
  }
})();
