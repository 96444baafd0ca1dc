// Client-side search over the catalog: the index is a script beside this
// one (window.WAYMARK_INDEX), so it works from file:// with no server.
(function () {
  var input = document.getElementById("search");
  var list = document.getElementById("search-results");
  if (!input || !list) return;
  var root = input.getAttribute("data-root") || "";
  var index = window.WAYMARK_INDEX || [];
  function norm(s) { return (s || "").toLowerCase().replace(/\s+/g, ""); }
  function run() {
    var q = norm(input.value);
    list.innerHTML = "";
    if (!q) return;
    var hits = [];
    for (var i = 0; i < index.length && hits.length < 30; i++) {
      var e = index[i];
      if (norm(e.zh).indexOf(q) >= 0 || norm(e.en).indexOf(q) >= 0 || norm(e.id).indexOf(q) >= 0) hits.push(e);
    }
    if (!hits.length) {
      var li = document.createElement("li");
      li.textContent = "没有找到 · nothing found";
      list.appendChild(li);
      return;
    }
    hits.forEach(function (e) {
      var li = document.createElement("li");
      var a = document.createElement("a");
      a.href = root + e.u;
      a.textContent = e.zh + (e.id && e.id !== e.zh ? " (" + e.id + ")" : "");
      var k = document.createElement("span");
      k.className = "kind";
      k.textContent = e.k + (e.en && e.en !== e.zh ? " · " + e.en : "");
      li.appendChild(a);
      li.appendChild(k);
      list.appendChild(li);
    });
  }
  input.addEventListener("input", run);
  run();
})();
