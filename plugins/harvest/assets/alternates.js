/* Harvest: keep Material from asking for sitemap.xml beside each language version of a story.
 *
 * Material's bundle reads every <link rel="alternate"> as the root of another language *site*
 * and, on each page load, requests sitemap.xml next to it (for its language selector, which
 * Harvest does not use): one 404 per link on a server, one console error per link from file://.
 * A story's versions are pages, not sites, and have no sitemap beside them. So before Material
 * asks (it does at DOMContentLoaded; this script is in <head>), requests for the sitemap beside
 * one of Harvest's own version links get an empty sitemap without touching the network.
 * Links from Material's own `extra.alternate` (no data-harvest-version) are left alone.
 */
(function () {
  "use strict";
  if (!window.XMLHttpRequest || !window.URL) return;
  var EMPTY = "data:application/xml,%3Curlset%20xmlns%3D%22http%3A%2F%2Fwww.sitemaps.org%2Fschemas%2Fsitemap%2F0.9%22%2F%3E";
  var open = XMLHttpRequest.prototype.open;

  function besideOurVersion(url) {
    var target;
    try { target = new URL(url, document.baseURI).href; } catch (e) { return false; }
    var links = document.querySelectorAll('link[rel="alternate"][hreflang][data-harvest-version]');
    for (var i = 0; i < links.length; i++) {
      if (new URL("sitemap.xml", links[i].href).href === target) return true;
    }
    return false;
  }

  XMLHttpRequest.prototype.open = function (method, url) {
    var args = Array.prototype.slice.call(arguments);
    if (String(method).toUpperCase() === "GET" && besideOurVersion(url)) args[1] = EMPTY;
    return open.apply(this, args);
  };
})();
