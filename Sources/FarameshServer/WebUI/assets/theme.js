// Applies the remembered theme before the first paint (a classic script, so it runs in <head>).
// Without a remembered choice the page follows the system (prefers-color-scheme in app.css).
(function () {
  try {
    var theme = localStorage.getItem("faramesh.theme");
    if (theme === "dark" || theme === "light") document.documentElement.dataset.theme = theme;
  } catch (e) { /* storage blocked: follow the system */ }
})();
