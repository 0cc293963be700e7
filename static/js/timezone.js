// Preselects the browser's time zone in any <select data-detect-time-zone>, if the list has it
// and the person has not picked a zone themselves. A choice the person made is remembered for
// the browser tab, so a form shown again with errors keeps it.
(function () {
  "use strict";
  var detected;
  try {
    detected = Intl.DateTimeFormat().resolvedOptions().timeZone;
  } catch (error) {
    return;
  }
  var storageKey = function (select) {
    return "tandem:time-zone-chosen:" + (select.name || select.id);
  };

  function chosenByPerson(select) {
    // The browser restored an earlier choice (back button, reload) ...
    var initial = Array.prototype.find.call(select.options, function (option) {
      return option.defaultSelected;
    });
    if (initial && select.value !== initial.value) {
      return true;
    }
    // ... or the person picked this zone before the form came back with errors.
    try {
      return window.sessionStorage.getItem(storageKey(select)) === select.value;
    } catch (error) {
      return false;
    }
  }

  document.querySelectorAll("select[data-detect-time-zone]").forEach(function (select) {
    select.addEventListener("change", function () {
      try {
        window.sessionStorage.setItem(storageKey(select), select.value);
      } catch (error) {
        // Storage may be off; the choice still stands for this page.
      }
    });
    if (!detected || chosenByPerson(select)) {
      return;
    }
    var match = Array.prototype.some.call(select.options, function (option) {
      return option.value === detected;
    });
    if (match) {
      select.value = detected;
    }
  });
})();
