/* Harvest: the "Contribute a story" form. Builds the story file in the browser, byte for byte as
 * `harvest new` would write it (storyfile.dump_story + intake/compose.py: keep the rules in step;
 * the front matter is JSON, so that part is JSON.stringify on both sides).
 * Nothing here makes a request: the file is downloaded, copied, or leaves only when the contributor
 * follows a channel's link themselves (an e-mail, the forge's issue form or pull request).
 * Works from file:// too. */
(function () {
  "use strict";

  // --- cleaning: the same rules as intake/compose.py ---------------------------------------------
  var LINE_JUNK = /[\u0000-\u0020\u007f-\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ud800-\udfff\ufeff\ufffe\uffff\u{10ffff}]+/gu;
  var TEXT_JUNK = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f\ud800-\udfff\ufeff\ufffe\uffff\u{10ffff}]/gu;
  var LINE_BREAKS = /\r\n|[\r\u2028\u2029\u0085]/g;
  var TOP_HEADING = /^( {0,3})#{1,2}(?=[ \t]|$)/;
  var PY_SPACE = "[\\t\\n\\u000b\\u000c\\r\\u001c-\\u001f \\u0085\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000]";
  var PY_STRIP = new RegExp("^" + PY_SPACE + "+|" + PY_SPACE + "+$", "g");  // Python's str.strip()
  var NO_RESPONSE = ["", "_no response_", "no response", "n/a", "-"];
  var HANDLE = /^[a-z0-9][a-z0-9_.-]{0,63}$/;

  function length(text) { return Array.from(text).length; }  // in code points, as Python counts
  function cleanLine(value) { return String(value).replace(LINE_JUNK, " ").replace(/^ +| +$/g, ""); }
  function isBlank(value) { return NO_RESPONSE.indexOf(cleanLine(value).toLowerCase()) >= 0; }

  function cleanText(value) {
    var text = String(value).replace(LINE_BREAKS, "\n").replace(TEXT_JUNK, "");
    return text.split("\n").map(function (line) {
      return line.replace(/[ \t]+$/, "").replace(TOP_HEADING, "$1###");
    }).join("\n").replace(/^\n+|\n+$/g, "");
  }

  function ascii(value) { return String(value).normalize("NFKD").replace(/[^\u0000-\u007f]/g, "").toLowerCase(); }
  function slugify(value) { return ascii(value).replace(/[^a-z0-9]+/g, "-").replace(/^-+|-+$/g, "").slice(0, 80).replace(/^-+|-+$/g, ""); }
  function toHandle(value) {
    var trim = /^[-_.]+|[-_.]+$/g;
    return ascii(value).replace(/[^a-z0-9_.-]+/g, "-").replace(trim, "").slice(0, 64).replace(trim, "");
  }

  function composeBody(answers, prompts) {
    return prompts.filter(function (p) { return answers[p.id]; })
      .map(function (p) { return "## " + p.title + "\n\n" + answers[p.id]; }).join("\n\n");
  }

  function storyId(date, title, tail) {
    var stem = slugify(title).slice(0, 48).replace(/^-+|-+$/g, "") || "story";
    return date.slice(0, 7) + "-" + stem + "-" + tail;
  }

  // --- front matter: storyfile.dump_story's form, which needs no YAML library --------------------
  // Every value JSON-quoted (valid YAML), the date plain, one field per line.
  var FIELD_ORDER = ["id", "title", "date", "event", "place", "contributors", "lessons", "summary",
                     "lang", "visibility"];
  // Left raw by JSON, but read by YAML as line breaks or refused: \u-escaped (storyfile._NOT_YAML_SAFE).
  var NOT_YAML_SAFE = /[\u007f-\u009f\u2028\u2029\ufeff\ufffe\uffff]/g;

  function yamlValue(value) {
    return JSON.stringify(value).replace(NOT_YAML_SAFE, function (c) {
      return "\\u" + c.charCodeAt(0).toString(16).padStart(4, "0");
    });
  }

  function dumpStory(meta, body) {
    var front = FIELD_ORDER.filter(function (key) {
      var value = meta[key];
      return value !== undefined && value !== null && value !== "" && (key === "contributors" || !(Array.isArray(value) && !value.length));
    }).map(function (key) {
      if (key === "date") { return "date: " + meta.date; }  // YYYY-MM-DD (realDate): written like a date
      if (Array.isArray(meta[key])) { return key + ": [" + meta[key].map(yamlValue).join(", ") + "]"; }
      return key + ": " + yamlValue(meta[key]);
    });
    return "---\n" + front.join("\n") + "\n---\n\n" + body.replace(PY_STRIP, "") + "\n";
  }

  // --- checking the answers (the rules of intake/compose.py) -------------------------------------
  function realDate(text) {
    var m = /^(\d{4})-(\d{2})-(\d{2})(?:[ T].*)?$/.exec(text);
    if (!m) { return null; }
    var y = +m[1], mo = +m[2], d = +m[3];
    var days = [31, (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0 ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
    return y >= 1 && mo >= 1 && mo <= 12 && d >= 1 && d <= days[mo - 1] ? m[1] + "-" + m[2] + "-" + m[3] : null;
  }

  // A registered pseudonym typed in any case or spacing ("spoke collective") is credited by its own
  // key, which the archive knows (privacy.pseudonym_keys); the page never holds anyone's handle.
  function handles(value, pseudonyms) {
    var out = [], bad = [], known = [];
    String(value).split(/[,;\n]/).forEach(function (item) {
      if (isBlank(item)) { return; }
      var slug = slugify(cleanLine(item)), match = null;
      (pseudonyms || []).forEach(function (p) { if (slug && p.key === slug) { match = p; } });
      var handle = match ? match.key : toHandle(cleanLine(item));
      if (match && known.indexOf(match.label) < 0) { known.push(match.label); }
      if (!HANDLE.test(handle)) { bad.push(cleanLine(item)); } else if (out.indexOf(handle) < 0) { out.push(handle); }
    });
    return {handles: out, bad: bad, known: known};
  }

  // Wraps the selected passage of an answer in the markup that holds it back below `level`.
  // -> the new text and selection, or null when nothing (or an already marked passage) is selected.
  function markPassage(text, start, end, level) {
    var inner = text.slice(start, end);
    if (!inner.trim() || /\[\[\/?redact/.test(inner)) { return null; }
    var lead = inner.match(/^\s*/)[0], trail = inner.match(/\s*$/)[0];
    start += lead.length;
    end -= trail.length;
    var open = "[[redact " + level + "]]", close = "[[/redact]]";
    return {text: text.slice(0, start) + open + text.slice(start, end) + close + text.slice(end),
            start: start, end: end + open.length + close.length};
  }

  // --- the page ----------------------------------------------------------------------------------
  var form = document.getElementById("harvest-contribute");
  var configNode = document.getElementById("hc-config");
  var api = {cleanLine: cleanLine, cleanText: cleanText, isBlank: isBlank, toHandle: toHandle, slugify: slugify,
             composeBody: composeBody, storyId: storyId, dumpStory: dumpStory, realDate: realDate,
             handles: handles, markPassage: markPassage};
  window.HarvestContribute = api;
  if (!form || !configNode) { return; }

  var config = JSON.parse(configNode.textContent);
  var $ = function (id) { return document.getElementById(id); };
  var preview = $("hc-preview"), problemsList = $("hc-problems"), status = $("hc-status"), propose = $("hc-propose");
  var email = $("hc-email"), issue = $("hc-issue");
  var tail = Array.from(crypto.getRandomValues(new Uint8Array(2)), function (b) { return (b + 256).toString(16).slice(1); }).join("");
  var showProblems = false, current = null;
  var MAX_URL = 8000;  // longer links are refused by some forges and proxies
  var NOT_FOR_EVERYONE = "This story is not for everyone (it is not public, or it holds passages back): " +
    "sending it to a public repository would publish it. Download it instead and give it to someone you trust who keeps the archive.";

  if (!$("hc-date").value) {
    var now = new Date();
    $("hc-date").value = [now.getFullYear(), now.getMonth() + 1, now.getDate()].map(function (n, i) {
      return String(n).padStart(i ? 2 : 4, "0"); }).join("-");
  }

  function line(id, name, label, problems) {
    var text = cleanLine($(id).value);
    if (isBlank(text)) { problems.push([id, label + ": missing"]); return ""; }
    if (length(text) > config.maxLength[name]) {
      problems.push([id, label + ": too long (" + length(text) + " characters, at most " + config.maxLength[name] + ")"]);
    }
    return text;
  }

  function read() {
    var problems = [], label = function (id) { return document.querySelector("label[for=" + id + "]").textContent; };
    var title = line("hc-title", "title", label("hc-title"), problems);
    var date = realDate(cleanLine($("hc-date").value));
    if (!date) { problems.push(["hc-date", label("hc-date") + ": give a real date (choose the day)"]); }
    var event = $("hc-event").value;
    if (!event) { problems.push(["hc-event", label("hc-event") + ": choose one"]); }
    var place = line("hc-place", "place", label("hc-place"), problems);
    var lessons = Array.from(form.querySelectorAll("input[name=lessons]:checked"), function (box) { return box.value; });
    // The page offers only lessons published stories use; with none offered, reviewers choose them.
    if (!lessons.length && form.querySelector("input[name=lessons]")) {
      problems.push(["hc-lessons", "Lessons: choose at least one"]);
    }
    var summary = line("hc-summary", "summary", label("hc-summary"), problems);
    var answers = {};
    form.querySelectorAll("textarea[data-prompt]").forEach(function (area) {
      var text = isBlank(area.value) ? "" : cleanText(area.value);
      if (length(text) > config.maxAnswer) {
        problems.push([area.id, label(area.id) + ": too long (at most " + config.maxAnswer + " characters)"]);
      }
      answers[area.getAttribute("data-prompt")] = text;
    });
    var body = composeBody(answers, config.prompts);
    if (!body) { problems.push(["hc-answer-1", "Answer at least one of the questions"]); }
    var people = handles($("hc-contributors").value, config.pseudonyms);
    $("hc-contributors-note").textContent = people.known.length ?
      "Recognised: " + people.known.join(", ") + " (registered in this archive)." : "";
    people.bad.forEach(function (item) {
      problems.push(["hc-contributors", "'" + item + "' cannot be used as a handle: use Latin letters, digits, '-', '_' or '.', or leave it empty"]);
    });
    var chosen = form.querySelector("input[name=visibility]:checked");
    var visibility = chosen ? chosen.value : config.defaultVisibility;
    form.querySelectorAll("input[name=consent]").forEach(function (box) {
      if (!box.checked) { problems.push([box.id || "hc-consent", "Please confirm: " + box.parentNode.textContent.trim()]); }
    });
    if (problems.length) { return {problems: problems}; }
    var meta = {id: storyId(date, title, tail), title: title, date: date, event: event, place: place,
                contributors: people.handles, lessons: lessons, summary: summary, visibility: visibility};
    return {problems: [], meta: meta, name: meta.id + ".md", text: dumpStory(meta, body), answers: answers,
            heldBack: visibility !== config.publicLevel || body.indexOf("[[redact") >= 0};
  }

  function forgeLink(story) {
    var forge = config.forge, path = forge.path + "/" + story.name;
    var branch = forge.branch.split("/").map(encodeURIComponent).join("/");
    var base = forge.url + "/" + forge.repo + (forge.type === "github" ? "/new/" : "/_new/") + branch;
    var url = base + "?filename=" + encodeURIComponent(path) + "&value=" + encodeURIComponent(story.text);
    if (forge.public && story.heldBack) { return {blocked: NOT_FOR_EVERYONE}; }
    if (url.length > MAX_URL) {
      var upload = forge.url + "/" + forge.repo + (forge.type === "github" ? "/upload/" : "/_upload/") + branch + "/" + forge.path;
      return {blocked: "This story is too long to fit in a link. Download the file, then upload it on " + forge.name + ": " + upload};
    }
    return {url: url};
  }

  // mailto: with the file as the body. Past MAX_MAILTO characters mail programs cut or drop the
  // link, so the link then only says a file is attached, and the click also downloads the file.
  function emailLink(story) {
    var subject = "Story: " + story.meta.title;
    var url = "mailto:" + config.email + "?subject=" + encodeURIComponent(subject) + "&body=" + encodeURIComponent(story.text);
    if (url.length <= config.maxMailto) { return {url: url}; }
    var body = "My story is attached: " + story.name;
    return {url: "mailto:" + config.email + "?subject=" + encodeURIComponent(subject) + "&body=" + encodeURIComponent(body),
            tooLong: "Your story is too long to fit in an e-mail link. Pressing the button downloads the file " +
                     story.name + " and opens an e-mail: attach the downloaded file to it before you send it."};
  }

  // The forge's issue form (`harvest forms`: .github/ISSUE_TEMPLATE/<template>) with every field filled.
  function issueLink(story) {
    var form = config.issueForm, meta = story.meta;
    var template = form.type === "github" ? form.template : ".github/ISSUE_TEMPLATE/" + form.template;
    var base = form.url + "/" + form.repo + "/issues/new?template=" + encodeURIComponent(template);
    if (form.public && story.heldBack) { return {blocked: NOT_FOR_EVERYONE}; }
    var params = [["title", config.issue.titlePrefix + meta.title], ["story-title", meta.title], ["date", meta.date],
      ["event", config.issue.eventLabels[meta.event] || meta.event], ["place", meta.place],
      ["lessons", meta.lessons.map(function (l) { return config.issue.lessonTitles[l] || l; }).join(", ")],
      ["summary", meta.summary]];
    config.prompts.forEach(function (p) { if (story.answers[p.id]) { params.push(["answer-" + p.id, story.answers[p.id]]); } });
    if (meta.contributors.length) { params.push(["contributors", meta.contributors.join(", ")]); }
    var url = base + params.map(function (pair) { return "&" + pair[0] + "=" + encodeURIComponent(pair[1]); }).join("");
    if (url.length > MAX_URL) {
      return {url: base, tooLong: "Your story is too long to be filled in by a link: the form opens empty. " +
              "Copy the text (button below) and paste your answers into it."};
    }
    return {url: url};
  }

  function showNote(id, text) {
    $(id).textContent = text || "";
    $(id).hidden = !text;
  }

  function render() {
    current = read();
    problemsList.textContent = "";
    problemsList.hidden = !(showProblems && current.problems.length);
    current.problems.forEach(function (problem) {
      var item = document.createElement("li");
      item.textContent = problem[1];
      problemsList.appendChild(item);
    });
    preview.value = current.text || "";
    preview.placeholder = "The story file appears here once the questions above are answered.";
    $("hc-filename").textContent = current.name || "not ready yet";
    if (email) {
      var mail = current.text ? emailLink(current) : {url: "mailto:" + config.email};
      email.href = mail.url;
      email.dataset.download = mail.tooLong ? "yes" : "";
      showNote("hc-email-note", current.text ? (mail.tooLong || "") + (current.heldBack ?
        (mail.tooLong ? " " : "") + "E-mail can be read on its way: for a story not meant for everyone, handing over the file in person is safer." : "") : "");
    }
    if (issue) {
      var filled = current.text ? issueLink(current) : {blocked: "Answer the questions above first."};
      issue.href = filled.url || "#";
      issue.setAttribute("aria-disabled", filled.url ? "false" : "true");
      issue.dataset.blocked = filled.blocked || "";
      showNote("hc-issue-note", current.text ? filled.blocked || filled.tooLong || "" : "");
    }
    if (propose) {
      var link = current.text ? forgeLink(current) : {blocked: "Answer the questions above first."};
      propose.href = link.url || "#";
      propose.setAttribute("aria-disabled", link.url ? "false" : "true");
      propose.dataset.blocked = link.blocked || "";
      $("hc-propose-note").textContent = current.text ? link.blocked || "" : "";
      $("hc-propose-note").hidden = !(current.text && link.blocked);
    }
  }

  function ready() {
    showProblems = true;
    render();
    if (current.problems.length) {
      var first = $(current.problems[0][0]);
      if (first) { (first.matches("fieldset") ? first.querySelector("input") : first).focus(); }
      status.textContent = "Some answers need attention (listed above).";
      return false;
    }
    return true;
  }

  function download() {
    var link = document.createElement("a");
    link.href = URL.createObjectURL(new Blob([current.text], {type: "text/markdown;charset=utf-8"}));
    link.download = current.name;
    document.body.appendChild(link);
    link.click();
    setTimeout(function () { URL.revokeObjectURL(link.href); link.remove(); }, 30000);
    status.textContent = "Downloaded " + current.name + ". Nothing was sent anywhere.";
  }

  $("hc-download").addEventListener("click", function () { if (ready()) { download(); } });

  if (email) {
    email.addEventListener("click", function (event) {
      if (!ready()) { event.preventDefault(); return; }
      if (email.dataset.download) { download(); status.textContent = "Downloaded " + current.name + ": attach it to the e-mail."; }
    });
  }

  if (issue) {
    issue.addEventListener("click", function (event) {
      if (!ready() || issue.dataset.blocked) {
        event.preventDefault();
        if (issue.dataset.blocked) { status.textContent = issue.dataset.blocked; }
      }
    });
  }

  Array.prototype.forEach.call(form.querySelectorAll("button.harvest-mark"), function (button) {
    button.addEventListener("click", function () {
      var area = $(button.getAttribute("data-for")), note = $("hc-mark-status");
      var marked = markPassage(area.value, area.selectionStart, area.selectionEnd, button.getAttribute("data-level"));
      if (!marked) {
        note.textContent = "First select the words to hold back in the answer above the button, then press it.";
        return;
      }
      area.value = marked.text;
      area.focus();
      area.setSelectionRange(marked.start, marked.end);
      note.textContent = "Marked: the public site shows “[withheld]” instead of that passage.";
      render();
    });
  });

  $("hc-copy").addEventListener("click", function () {
    if (!ready()) { return; }
    var done = function () { status.textContent = "Copied. Paste it into a new file named " + current.name + "."; };
    var fallback = function () {
      preview.focus();
      preview.select();
      if (document.execCommand && document.execCommand("copy")) { done(); }
      else { status.textContent = "Select the text below and copy it."; }
    };
    if (navigator.clipboard && window.isSecureContext) { navigator.clipboard.writeText(current.text).then(done, fallback); }
    else { fallback(); }
  });

  if (propose) {
    propose.addEventListener("click", function (event) {
      if (!ready() || propose.dataset.blocked) {
        event.preventDefault();
        if (propose.dataset.blocked) { status.textContent = propose.dataset.blocked; }
      }
    });
  }

  form.addEventListener("input", render);
  form.addEventListener("change", render);
  form.addEventListener("submit", function (event) { event.preventDefault(); });
  render();
})();
