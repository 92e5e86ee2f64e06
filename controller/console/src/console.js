// The console's little script: live board view (server-sent events), playlist check/save with
// errors at their lines, restore, and the proof-of-display table. Plain JavaScript, no build step.
(function () {
  "use strict";
  var csrf = (document.querySelector('meta[name="csrf-token"]') || {}).content || "";
  function api(method, url, body) {
    return fetch(url, { method: method, body: body, headers: { "X-CSRF-Token": csrf }, credentials: "same-origin" });
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
          : Array.isArray(v) ? v.join("\n") : word(v);
        td.classList.toggle("none", td.textContent === "—");
      });
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
        result.textContent = v.ok ? (v.message || "ok") : (zh ? v.error_zh : v.error);
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
    document.getElementById("power-off").addEventListener("click", function () { post("/api/v1/card/override", { power: false, minutes: 60 }); });
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

  // Announcements: search by id.
  var search = document.getElementById("search");
  if (search) {
    search.addEventListener("input", function () {
      var q = search.value.trim();
      document.querySelectorAll("#announcements tr[data-id]").forEach(function (tr) {
        tr.hidden = q !== "" && tr.dataset.id.indexOf(q) < 0;
      });
    });
  }

  // Playlist editor.
  var editor = document.getElementById("playlist");
  if (editor) {
    var gutter = document.getElementById("gutter");
    var problems = document.getElementById("problems");
    var bad = {};
    function numbers() {
      var n = editor.value.split("\n").length, out = [];
      for (var i = 1; i <= n; i++) out.push(bad[i] ? "▶" + i : String(i));
      gutter.textContent = out.join("\n");
    }
    function item(e, cls) {
      var li = document.createElement("li");
      li.dataset.line = e.line;
      if (cls) li.className = cls;
      var zh = document.documentElement.lang === "zh-CN" && e.message_zh;
      li.textContent = (cls === "warn" ? "⚠ " : "") + e.line + ":" + e.column + ": " + (zh ? e.message_zh : e.message);
      problems.appendChild(li);
    }
    function show(r, saved) {
      bad = {};
      problems.innerHTML = "";
      if (r.ok) {
        var warned = (r.warnings || []).length > 0, d = problems.dataset;
        var li = document.createElement("li");
        li.className = "ok";
        li.textContent = saved ? (warned ? d.savedWarned : d.saved) : (warned ? d.okWarned : d.ok);
        problems.appendChild(li);
      } else {
        (r.errors || []).forEach(function (e) {
          bad[e.line] = true;
          item(e);
        });
      }
      // Warnings do not stop a save: a picture that will look poor, characters shown as boxes.
      (r.warnings || []).forEach(function (e) { item(e, "warn"); });
      numbers();
    }
    editor.addEventListener("input", numbers);
    editor.addEventListener("scroll", function () { gutter.scrollTop = editor.scrollTop; });
    numbers();
    document.getElementById("preview-button").addEventListener("click", function () {
      api("POST", "/api/v1/playlist/preview", editor.value).then(function (r) { return r.json(); }).then(function (r) {
        var box = document.getElementById("preview");
        box.innerHTML = "";
        if (!r.ok) { show(r); return; }
        show({ ok: true, warnings: r.warnings });
        r.items.forEach(function (it) {
          if (it.cut) return;
          var h = document.createElement("h3");
          h.textContent = it.id + " (" + it.line + ") · " + it.effect + " · " + it.dwell_s.join("/") + " s" +
            (it.missing ? " · ☐ " + it.missing : "");
          box.appendChild(h);
          it.pages.forEach(function (src) {
            var img = document.createElement("img");
            img.src = src;
            img.className = "page";
            box.appendChild(img);
          });
        });
      });
    });
    document.getElementById("check").addEventListener("click", function () {
      api("POST", "/api/v1/playlist/check", editor.value).then(function (r) { return r.json(); }).then(function (r) { show(r); });
    });
    var save = document.getElementById("save");
    if (save) {
      save.addEventListener("click", function () {
        api("PUT", "/api/v1/playlist", editor.value).then(function (r) { return r.json(); }).then(function (r) {
          show(r, true);
          // Reload for the new history and timeline, unless there are warnings to read first.
          if (r.ok && !(r.warnings || []).length) setTimeout(function () { location.reload(); }, 400);
        });
      });
    }
    document.querySelectorAll("button.restore").forEach(function (b) {
      b.addEventListener("click", function () {
        api("POST", "/api/v1/playlist/restore/" + b.dataset.sha).then(function (r) { return r.json(); }).then(function (r) {
          if (r.ok) location.reload(); else show(r);
        });
      });
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
      api("DELETE", "/api/v1/pictures/" + encodeURIComponent(b.dataset.name)).then(function (r) { return r.json(); })
        .then(function (r) {
          result.className = r.ok ? "" : "error";
          result.textContent = r.ok ? "" : r.error;
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
              : r.error;
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
