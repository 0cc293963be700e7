// Collapses the main navigation behind a "Menu" button on narrow screens. Without JavaScript the
// button stays hidden and the navigation is simply shown, so nothing depends on this file.
(function () {
  "use strict";
  var toggle = document.querySelector(".nav-toggle");
  var nav = toggle && document.getElementById(toggle.getAttribute("aria-controls"));
  if (!toggle || !nav) {
    return;
  }
  var narrow = window.matchMedia("(max-width: 47.99em)");

  function setOpen(open) {
    toggle.setAttribute("aria-expanded", open ? "true" : "false");
    nav.classList.toggle("is-collapsed", !open && narrow.matches);
  }

  toggle.hidden = false;
  setOpen(false);
  toggle.addEventListener("click", function () {
    setOpen(toggle.getAttribute("aria-expanded") !== "true");
  });
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && toggle.getAttribute("aria-expanded") === "true") {
      setOpen(false);
      toggle.focus();
    }
  });
  narrow.addEventListener("change", function () {
    setOpen(false);
  });
})();
