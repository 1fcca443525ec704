/* Harvest read-aloud view: one part of a story (or of a reading session) per screen, in very large type.
 *
 * The page already holds every part (div.harvest-ra-sections > section.harvest-ra-section), with its
 * times worked out at build time. This script only shows one at a time, keeps it in the URL hash
 * (#read-aloud, #read-aloud-N) and answers keys, clickers and taps. No request leaves the page.
 * Each story has a title screen and a closing screen (built, like the cut of long parts into screens).
 * Served by `harvest collect`, the page also holds a <template id="harvest-collect-join"> (its QR
 * code): it goes into the last closing screen, "Tell your story: scan this".
 */
(function () {
  "use strict";
  var root = document.querySelector(".harvest-ra-sections");
  if (!root || !document.body.classList) return;
  document.documentElement.classList.add("harvest-js");

  var sections = Array.prototype.slice.call(root.querySelectorAll(".harvest-ra-section"));
  joinScreen();
  var HASH = /^#read-aloud(?:-(\d+))?$/;
  var view = null, stage, fields = {}, placeholder, current = -1, opener = null, hidden = [];

  function text(tag, className, content) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (content) node.textContent = content;
    return node;
  }

  function joinScreen() {
    var join = document.getElementById("harvest-collect-join");
    var slots = root.querySelectorAll(".harvest-ra-screen--closing .harvest-ra-join-slot");
    if (!join || !join.content || !slots.length) return;
    var slot = slots[slots.length - 1];  // the end of the story, or of the whole session
    slot.appendChild(join.content.cloneNode(true));
    slot.classList.add("harvest-ra-join");
    slot.closest(".harvest-ra-screen--closing").classList.add("harvest-ra-screen--join");
  }

  function button(label, className, action, shortcut) {
    var node = text("button", "harvest-ra__button " + className, label);
    node.type = "button";
    if (shortcut) node.setAttribute("aria-keyshortcuts", shortcut);
    node.addEventListener("click", function (event) { event.stopPropagation(); action(); });
    return node;
  }

  function build() {
    view = text("div", "harvest-ra");
    view.setAttribute("role", "dialog");
    view.setAttribute("aria-modal", "true");
    view.setAttribute("aria-labelledby", "harvest-ra-title");
    if (prefersDark()) view.classList.add("harvest-ra--dark");

    var bar = text("div", "harvest-ra__bar");
    var about = text("div", "harvest-ra__about");
    fields.title = text("p", "harvest-ra__title");
    fields.title.id = "harvest-ra-title";
    fields.context = text("p", "harvest-ra__context");
    about.appendChild(fields.title);
    about.appendChild(fields.context);

    var status = text("div", "harvest-ra__status");
    status.setAttribute("role", "status");
    fields.progress = text("p", "harvest-ra__progress");
    fields.time = text("p", "harvest-ra__time");
    status.appendChild(fields.progress);
    status.appendChild(fields.time);

    var controls = text("div", "harvest-ra__controls");
    fields.prev = button("‹ Previous", "harvest-ra__prev", function () { go(current - 1); }, "ArrowLeft");
    fields.next = button("Next ›", "harvest-ra__next", function () { go(current + 1); }, "ArrowRight");
    fields.theme = button("", "harvest-ra__theme", toggleTheme);
    controls.appendChild(fields.prev);
    controls.appendChild(fields.next);
    controls.appendChild(button("Full screen", "harvest-ra__full", toggleFullScreen, "F"));
    controls.appendChild(fields.theme);
    controls.appendChild(button("Close", "harvest-ra__close", close, "Escape"));

    bar.appendChild(about);
    bar.appendChild(status);
    bar.appendChild(controls);
    stage = text("div", "harvest-ra__stage");
    stage.tabIndex = -1;
    stage.addEventListener("click", onTap);
    view.appendChild(bar);
    view.appendChild(stage);
    showTheme();
  }

  function prefersDark() {
    var scheme = document.body.getAttribute("data-md-color-scheme");
    if (scheme) return scheme === "slate";
    return window.matchMedia && window.matchMedia("(prefers-color-scheme: dark)").matches;
  }

  function toggleTheme() {
    view.classList.toggle("harvest-ra--dark");
    showTheme();
  }

  function showTheme() {
    var dark = view.classList.contains("harvest-ra--dark");
    fields.theme.textContent = dark ? "Light" : "Dark";
    fields.theme.setAttribute("aria-label", dark ? "Light background" : "Dark background");
  }

  function toggleFullScreen() {
    var doc = document, page = doc.documentElement;
    try {
      var result = doc.fullscreenElement ? doc.exitFullscreen() :
        (page.requestFullscreen ? page.requestFullscreen() : null);
      if (result && result.catch) result.catch(function () {});
    } catch (error) { /* not allowed here (an iframe, an old phone): the view still works */ }
  }

  function open(index) {
    if (!view) build();
    if (!view.parentNode) {
      if (!opener && document.activeElement !== document.body) opener = document.activeElement;
      placeholder = document.createComment("harvest read-aloud");
      root.parentNode.insertBefore(placeholder, root);
      stage.appendChild(root);
      // Everything else on the page is out of reach while the view is open (focus, screen readers).
      hidden = Array.prototype.filter.call(document.body.children, function (node) {
        return node !== view && !node.inert && node.tagName !== "SCRIPT";
      });
      hidden.forEach(function (node) { node.inert = true; });
      document.body.appendChild(view);
      document.documentElement.classList.add("harvest-ra-open");
      stage.focus({ preventScroll: true });
    }
    show(index);
  }

  function close() {
    if (!view || !view.parentNode) return;
    if (document.fullscreenElement && document.exitFullscreen) toggleFullScreen();
    placeholder.parentNode.replaceChild(root, placeholder);
    view.parentNode.removeChild(view);
    hidden.forEach(function (node) { node.inert = false; });
    document.documentElement.classList.remove("harvest-ra-open");
    sections.forEach(function (section) { section.classList.remove("harvest-ra-current"); });
    current = -1;
    if (HASH.test(location.hash)) history.replaceState(null, "", location.pathname + location.search);
    var back = opener && document.contains(opener) ? opener : document.querySelector(".harvest-ra-start");
    opener = null;
    if (back) {
      back.focus({ preventScroll: true });
      back.scrollIntoView({ block: "center" });
    }
  }

  function show(index) {
    index = Math.max(0, Math.min(sections.length - 1, index));
    if (current >= 0) sections[current].classList.remove("harvest-ra-current");
    current = index;
    var section = sections[index], holder = section.closest("[data-ra-title]") || root;
    section.classList.add("harvest-ra-current");
    fields.title.textContent = holder.getAttribute("data-ra-title") || document.title;
    fields.title.lang = holder.lang || root.lang || "";
    fields.context.textContent = holder.getAttribute("data-ra-context") || "";
    fields.context.hidden = !fields.context.textContent;
    fields.progress.textContent = section.getAttribute("data-ra-progress");
    var time = section.getAttribute("data-ra-time"), left = section.getAttribute("data-ra-left");
    fields.time.textContent = time ? "This part about " + time + (left ? " · " + left + " left" : "") :
      (left ? left + " left" : "");
    fields.prev.disabled = index === 0;
    fields.next.disabled = index === sections.length - 1;
    stage.scrollTop = 0;
    fit();
  }

  function go(index) {
    if (index < 0 || index >= sections.length || index === current) return;
    show(index);
    // replaceState: Back leaves the view instead of stepping through every part.
    history.replaceState(null, "", "#read-aloud-" + (index + 1));
  }

  /* Shrink the type step by step until the part fits on one screen (never below about half size). */
  function fit() {
    var scale = 1;
    stage.style.setProperty("--harvest-ra-scale", "1");
    for (var step = 0; step < 6 && stage.scrollHeight > stage.clientHeight + 2; step++) {
      scale *= 0.88;
      stage.style.setProperty("--harvest-ra-scale", scale.toFixed(3));
    }
  }

  function indexFromHash() {
    var match = HASH.exec(location.hash);
    if (!match) return -1;
    return match[1] ? Math.min(parseInt(match[1], 10), sections.length) - 1 : 0;
  }

  function sync() {
    var index = indexFromHash();
    if (index < 0) close();
    else if (index !== current || !view || !view.parentNode) open(index);
  }

  function onKey(event) {
    if (!view || !view.parentNode || event.altKey || event.ctrlKey || event.metaKey) return;
    var onControl = event.target && event.target.closest && event.target.closest("a, button, input, select, textarea");
    var action = null;
    switch (event.key) {
      case "ArrowRight": case "ArrowDown": case "PageDown": case "Right": case "Down":
        action = function () { go(current + 1); }; break;
      case "ArrowLeft": case "ArrowUp": case "PageUp": case "Left": case "Up":
        action = function () { go(current - 1); }; break;
      case " ": case "Spacebar":
        if (!onControl) action = function () { go(event.shiftKey ? current - 1 : current + 1); }; break;
      case "Home": action = function () { go(0); }; break;
      case "End": action = function () { go(sections.length - 1); }; break;
      case "Escape": case "Esc": action = close; break;
      case "f": case "F": action = toggleFullScreen; break;
    }
    if (!action) return;
    event.preventDefault();
    event.stopImmediatePropagation();  // before the theme's own shortcuts (its `f` opens search)
    action();
  }

  /* Tap or click on the right half: next; left half: previous. Links and selected text are left alone. */
  function onTap(event) {
    if (event.target.closest("a, button, summary, input, select, textarea")) return;
    if (window.getSelection && String(window.getSelection())) return;
    var box = stage.getBoundingClientRect();
    go(event.clientX - box.left >= box.width / 2 ? current + 1 : current - 1);
  }

  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("a[href^='#read-aloud']");
    if (link) opener = link;
  }, true);
  window.addEventListener("keydown", onKey, true);
  window.addEventListener("hashchange", sync);
  window.addEventListener("popstate", sync);
  window.addEventListener("resize", function () { if (current >= 0) fit(); });
  sync();
})();
