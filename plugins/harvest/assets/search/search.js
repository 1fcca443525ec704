/* Harvest site search: the archive's own index, loaded in small script files on demand.
 *
 * Works from a server and from file:// (the offline copy): index files are plain
 * <script>s that call harvestSearch.*(...) when they load, so nothing needs fetch or
 * XHR, and nothing is ever requested from another host. See search/browser.py for
 * the files; `fold` and `words` repeat search/analysis.py exactly. The search box
 * reuses Material's header search styles (its own search plugin is not used).
 */
(function () {
  "use strict";

  var script = document.currentScript;
  if (!script || !window.URL || !window.Promise) return;
  var ROOT = new URL("../../", script.src);            // this file is assets/harvest/search.js
  var INDEX = new URL("search/", ROOT);
  var TITLE = 1, SUMMARY = 2, LESSON = 4, CONTRIBUTOR = 8, PLACE = 16, EVENT = 32, TEXT = 64;
  var LABELS = 4 | 8 | 16 | 32;
  var SHOWN = 20;

  var WORD, MARK;
  try {
    WORD = new RegExp("[\\p{L}\\p{N}]+", "gu");
    MARK = new RegExp("\\p{M}", "gu");
  } catch (e) {                                          // very old browsers: Latin text still works
    WORD = /[A-Za-z0-9\u00C0-\u024F]+/g;
    MARK = /[\u0300-\u036F]/g;
  }

  function fold(word) {
    return word.toLowerCase().normalize("NFD").replace(MARK, "");
  }

  function words(text) {
    return (text.normalize("NFC").match(WORD) || []).map(fold);
  }

  // --- loading index files -------------------------------------------------------------------

  var manifest = null, terms = {}, docs = {}, vocabulary = {}, pending = {}, docArchives = null;
  var storyOf = {};                                      // doc -> its story, for stories in several languages

  window.harvestSearch = {
    manifest: function (value) {
      manifest = value;
      storyOf = {};
      (value.stories || []).forEach(function (members) {
        members.forEach(function (doc) { storyOf[doc] = "s" + members[0]; });
      });
    },
    terms: function (shard, value) { terms[shard] = value; },
    docs: function (block, value) { docs[block] = value; },
    vocabulary: function (first, value) { vocabulary[first] = value; },
    archives: function (value) { docArchives = value; },  // each document's archive (federation)
    words: words, shardOf: shardOf, distance: distance   // for tests: must agree with the Python side
  };

  function load(path, fresh) {
    if (!pending[path]) {
      pending[path] = new Promise(function (resolve, reject) {
        var tag = document.createElement("script");
        tag.src = new URL(path, INDEX).href + "?v=" + (fresh ? Date.now() : manifest.version);
        tag.onload = resolve;
        tag.onerror = function () { delete pending[path]; reject(new Error("cannot load " + path)); };
        document.head.appendChild(tag);
      });
    }
    return pending[path];
  }

  function shardOf(term, shards) {                       // FNV-1a over the first two code points
    var value = 2166136261, count = 0;
    for (var ch of term) {
      if (count++ === 2) break;
      value ^= ch.codePointAt(0);
      value = Math.imul(value, 16777619) >>> 0;
    }
    return value % shards;
  }

  // --- ranking -------------------------------------------------------------------------------

  function fieldScore(code) {
    var tf = code >> manifest.fieldBits, score = 0;
    if (code & TITLE) score += 100;                      // a title match ranks first
    if (code & LABELS) score += 20;                      // lesson, contributor, place, event
    if (code & SUMMARY) score += 10;
    if (tf) score += 1 + Math.log2(tf);
    return score;
  }

  function search(query, archive) {                     // archive: a number in manifest.archives, or null
    var asked = words(query).filter(function (w, i, all) {
      return w.length >= manifest.minTermChars && all.indexOf(w) === i;
    });
    if (!asked.length) return Promise.resolve(null);
    var shards = asked.map(function (w) { return shardOf(w, manifest.shards); });
    var needed = shards.map(function (s) { return load("t/" + s + ".js"); });
    if (archive !== null) needed.push(load("a.js"));
    return Promise.all(needed).then(function () {
      var hits = {};                                     // doc -> {matched, titles, score}
      asked.forEach(function (word, w) {
        var table = terms[shards[w]], best = {};
        for (var term in table) {
          if (term.lastIndexOf(word, 0) !== 0) continue; // the words typed are prefixes
          var exact = term === word, list = table[term], doc = 0;
          for (var i = 0; i < list.length; i += 2) {
            doc += list[i];
            var code = list[i + 1], score = fieldScore(code) * (exact ? 1 : 0.6);
            var seen = best[doc];
            if (!seen || score > seen.score) best[doc] = {score: score, title: code & TITLE};
          }
        }
        for (var d in best) {
          var hit = hits[d] || (hits[d] = {doc: +d, matched: 0, titles: 0, score: 0});
          hit.matched += 1;
          hit.titles += best[d].title ? 1 : 0;
          hit.score += best[d].score;
        }
      });
      var ranked = Object.keys(hits).map(function (d) { return hits[d]; });
      if (archive !== null) ranked = ranked.filter(function (h) { return docArchives[h.doc] === archive; });
      var all = ranked.filter(function (h) { return h.matched === asked.length; });
      if (all.length) ranked = all;                       // every word found, when possible
      ranked.sort(function (a, b) {
        return b.matched - a.matched || b.titles - a.titles || b.score - a.score || a.doc - b.doc;
      });
      var told = {};                                     // a story in several languages: its best version only
      ranked = ranked.filter(function (h) {
        var story = storyOf[h.doc];
        if (story === undefined) return true;
        if (told[story]) return false;
        return (told[story] = true);
      });
      var unknown = asked.filter(function (word, w) {    // words that found nothing at all
        var table = terms[shards[w]];
        for (var term in table) if (term.lastIndexOf(word, 0) === 0) return false;
        return true;
      });
      var top = ranked.slice(0, SHOWN);
      var blocks = top.map(function (h) { return Math.floor(h.doc / manifest.docsPerFile); });
      return Promise.all(blocks.filter(function (b, i) { return blocks.indexOf(b) === i; })
        .map(function (b) { return load("d/" + b + ".js"); })).then(function () {
          return suggestion(query, unknown).then(function (better) {
            return {words: asked, total: ranked.length, partial: !all.length, suggestion: better,
              cards: top.map(function (h) {
                return docs[Math.floor(h.doc / manifest.docsPerFile)][h.doc % manifest.docsPerFile];
              })};
          });
        });
    });
  }

  // --- did you mean (search/query.py `suggest`, over the published words) -------------------

  function distance(a, b) {                              // search/query.py `_distance`, exactly
    a = Array.from(a); b = Array.from(b);
    var rows = [], i, j;
    for (i = 0; i <= a.length; i++) { rows.push([]); rows[i][0] = i * 0.9; }
    for (j = 0; j <= b.length; j++) rows[0][j] = j * 0.9;
    for (i = 1; i <= a.length; i++) {
      for (j = 1; j <= b.length; j++) {
        var best = Math.min(rows[i - 1][j] + 0.9, rows[i][j - 1] + 0.9, rows[i - 1][j - 1] + (a[i - 1] !== b[j - 1] ? 1 : 0));
        if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) best = Math.min(best, rows[i - 2][j - 2] + 0.9);
        rows[i][j] = best;
      }
    }
    return Math.round(rows[a.length][b.length] * 1000) / 1000;
  }

  var LETTERS;
  try { LETTERS = new RegExp("^\\p{L}+$", "u"); } catch (e) { LETTERS = /^[A-Za-z\u00C0-\u024F]+$/; }

  function nearest(word) {                               // the closest known word, as the terminal picks it
    var known = vocabulary[word.codePointAt(0)] || {}, best = null, length = Array.from(word).length;
    for (var other in known) {
      if (other === word || Math.abs(Array.from(other).length - length) > 2) continue;
      var d = distance(word, other);
      if (d > 2) continue;
      var candidate = [d, -known[other], other];
      if (!best || candidate[0] < best[0] || (candidate[0] === best[0] &&
          (candidate[1] < best[1] || (candidate[1] === best[1] && candidate[2] < best[2])))) best = candidate;
    }
    return best && best[2];
  }

  function suggestion(query, unknown) {
    var asked = unknown.filter(function (w) {
      return LETTERS.test(w) && Array.from(w).length >= 3 &&
        (manifest.vocabulary || []).indexOf(w.codePointAt(0)) !== -1;
    });
    if (!asked.length) return Promise.resolve(null);
    var firsts = asked.map(function (w) { return w.codePointAt(0); });
    return Promise.all(firsts.filter(function (f, i) { return firsts.indexOf(f) === i; })
      .map(function (f) { return load("v/" + f + ".js"); })).then(function () {
        var fixes = {}, changed = false;
        asked.forEach(function (w) { var near = nearest(w); if (near) { fixes[w] = near; changed = true; } });
        if (!changed) return null;
        WORD.lastIndex = 0;
        return query.normalize("NFC").replace(WORD, function (typed) { return fixes[fold(typed)] || typed; });
      }, function () { return null; });
  }

  // --- the search box ------------------------------------------------------------------------

  var SVG = "http://www.w3.org/2000/svg";
  var ICONS = {
    search: "M9.5 3a6.5 6.5 0 0 1 5.2 10.4l5.5 5.5-1.4 1.4-5.5-5.5A6.5 6.5 0 1 1 9.5 3m0 2a4.5 4.5 0 1 0 0 9 4.5 4.5 0 0 0 0-9",
    back: "M20 11v2H8l5.5 5.5-1.4 1.4L4.2 12l7.9-7.9 1.4 1.4L8 11z",
    close: "M19 6.4 17.6 5 12 10.6 6.4 5 5 6.4l5.6 5.6L5 17.6 6.4 19l5.6-5.6 5.6 5.6 1.4-1.4-5.6-5.6z"
  };

  function el(tag, attrs, children) {
    var node = tag in ICONS ? document.createElementNS(SVG, "svg") : document.createElement(tag);
    if (tag in ICONS) {
      node.setAttribute("viewBox", "0 0 24 24");
      var path = document.createElementNS(SVG, "path");
      path.setAttribute("d", ICONS[tag]);
      node.appendChild(path);
    }
    for (var key in attrs || {}) node.setAttribute(key, attrs[key]);
    (children || []).forEach(function (c) { node.appendChild(typeof c === "string" ? document.createTextNode(c) : c); });
    return node;
  }

  function translation(key, fallback) {
    try {
      return JSON.parse(document.getElementById("__config").textContent).translations[key] || fallback;
    } catch (e) { return fallback; }
  }

  function marked(text, asked) {                       // text with the words typed in <mark>, as DOM
    var out = [], last = 0, match;
    text = text.normalize("NFC");
    WORD.lastIndex = 0;
    while ((match = WORD.exec(text))) {
      var folded = fold(match[0]);
      if (asked.some(function (w) { return folded.lastIndexOf(w, 0) === 0; })) {
        out.push(text.slice(last, match.index), el("mark", {}, [match[0]]));
        last = match.index + match[0].length;
      }
    }
    out.push(text.slice(last));
    return out.filter(function (part) { return part !== ""; });
  }

  function href(url) {
    var target = new URL(url, ROOT);
    if (location.protocol === "file:" && /\/$/.test(target.pathname)) target.pathname += "index.html";
    return target.href;
  }

  function mount() {
    var toggle = document.getElementById("__search");
    var header = document.querySelector(".md-header__inner");
    if (!toggle || !header || document.querySelector(".harvest-search")) return;
    var input = el("input", {type: "text", "class": "md-search__input", name: "query", required: "",
      placeholder: translation("search.placeholder", "Search"), "aria-label": "Search the archive",
      autocapitalize: "off", autocorrect: "off", autocomplete: "off", spellcheck: "false"});
    var meta = el("div", {"class": "md-search-result__meta"}, [translation("search.result.placeholder", "Type to start searching")]);
    var list = el("ol", {"class": "md-search-result__list", role: "presentation"});
    var form = el("form", {"class": "md-search__form", name: "search", role: "search"}, [
      input,
      el("label", {"class": "md-search__icon md-icon", "for": "__search"}, [el("search"), el("back")]),
      el("nav", {"class": "md-search__options", "aria-label": "Search"}, [
        el("button", {type: "reset", "class": "md-search__icon md-icon", title: "Clear", "aria-label": "Clear", tabindex: "-1"}, [el("close")])])
    ]);
    var box = el("div", {"class": "md-search harvest-search", role: "dialog", "aria-label": "Search the archive"}, [
      el("label", {"class": "md-search__overlay", "for": "__search"}),
      el("div", {"class": "md-search__inner"}, [form, el("div", {"class": "md-search__output"}, [
        el("div", {"class": "md-search__scrollwrap", tabindex: "0"}, [
          el("div", {"class": "md-search-result", "aria-live": "polite"}, [meta, list])])])])
    ]);
    var button = el("label", {"class": "md-header__button md-icon harvest-search__button", "for": "__search",
      title: "Search", "aria-label": "Search"}, [el("search")]);
    var source = header.querySelector(".md-header__source");
    header.insertBefore(button, source);
    header.insertBefore(box, source);

    var choice = null;                                   // the archive filter, when the index has peers' stories
    function archiveChoice() {
      if (choice || !manifest || !manifest.archives) return;
      choice = el("select", {"class": "harvest-search__archive", name: "archive"},
        [el("option", {value: ""}, ["All archives"])].concat(manifest.archives.map(function (a, i) {
          return el("option", {value: String(i)}, [i === 0 ? a[1] + " (this archive)" : a[1]]);
        })));
      meta.parentNode.insertBefore(el("label", {"class": "harvest-search__archives"}, ["Archive: ", choice]), meta);
      choice.addEventListener("change", run);
    }

    var sequence = 0;
    function show(result) {
      list.textContent = "";
      if (!result) {
        meta.textContent = translation("search.result.placeholder", "Type to start searching");
        return;
      }
      var count = result.partial ? 0 : result.total;
      // An archive holds stories, not "documents" (Material's words): said so in English; other
      // languages keep Material's translation until Harvest has its own.
      var english = !document.documentElement.lang || /^en\b/i.test(document.documentElement.lang);
      meta.textContent = count === 0 ? (english ? "No matching stories" : translation("search.result.none", "No matching stories"))
        : count === 1 ? (english ? "1 matching story" : translation("search.result.one", "1 matching story"))
        : (english ? "# matching stories" : translation("search.result.other", "# matching stories")).replace("#", count);
      if (result.partial && result.cards.length) meta.textContent += " (showing stories with some of the words)";
      if (result.suggestion) {
        var again = el("a", {href: "#", "class": "harvest-search__suggestion"}, [result.suggestion]);
        again.addEventListener("click", function (event) {
          event.preventDefault();
          input.value = result.suggestion;
          run();
          input.focus();
        });
        meta.textContent += ".";
        meta.appendChild(el("span", {"class": "harvest-search__did-you-mean"}, [" Did you mean ", again, "?"]));
      }
      result.cards.forEach(function (card) {
        var article = el("article", {"class": "md-search-result__article md-typeset"}, [
          el("h1", {}, marked(card[1], result.words)),
          el("p", {"class": "harvest-search__meta"}, (card[3] ? [card[2] + " · "].concat(marked(card[3], result.words)) : [card[2]])
            .concat(card[6] ? [" · ", el("span", {"class": "harvest-from"}, ["from " + manifest.archives[card[6]][1]])] : [])),
          el("p", {}, marked(card[4], result.words))]);
        var item = [el("a", {href: href(card[0]), "class": "md-search-result__link", tabindex: "-1"}, [article])];
        if (card[5] && card[5].length) {                 // the story's other languages, beside its link
          item.push(el("p", {"class": "harvest-search__languages md-typeset"}, ["Also in "].concat(
            card[5].reduce(function (parts, v, i) {
              var link = el("a", {href: href(v[2]), hreflang: v[1], lang: v[1]}, [v[0]]);
              return parts.concat(i ? [", ", link] : [link]);
            }, []))));
        }
        list.appendChild(el("li", {"class": "md-search-result__item"}, item));
      });
    }

    function run() {
      var mine = ++sequence, query = input.value;
      var ready = manifest ? Promise.resolve() : load("manifest.js", true);
      ready.then(function () {
        archiveChoice();
        return search(query, choice && choice.value !== "" ? +choice.value : null);
      }).then(function (result) {
        if (mine === sequence) show(result);
      }).catch(function (error) {
        if (mine === sequence) meta.textContent = "Search is unavailable: " + error.message;
      });
    }

    input.addEventListener("input", run);
    input.addEventListener("focus", function () { toggle.checked = true; });
    toggle.addEventListener("change", function () { if (toggle.checked) input.focus(); });
    form.addEventListener("reset", function () { setTimeout(run, 0); input.focus(); });
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var first = list.querySelector("a");
      if (first) location.href = first.href;
    });
    document.addEventListener("keydown", function (event) {
      var typing = /^(input|textarea|select)$/i.test(event.target.tagName) || event.target.isContentEditable;
      if (!typing && (event.key === "/" || event.key === "s") && !event.ctrlKey && !event.metaKey && !event.altKey) {
        event.preventDefault();
        toggle.checked = true;
        input.focus();
      } else if (toggle.checked && event.key === "Escape") {
        toggle.checked = false;
        input.blur();
      } else if (toggle.checked && (event.key === "ArrowDown" || event.key === "ArrowUp")) {
        var links = Array.prototype.slice.call(list.querySelectorAll("a"));
        if (!links.length) return;
        event.preventDefault();
        var at = links.indexOf(document.activeElement);
        var next = event.key === "ArrowDown" ? Math.min(at + 1, links.length - 1) : at - 1;
        (next < 0 ? input : links[next]).focus();
      }
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", mount);
  else mount();
})();
