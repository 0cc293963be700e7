// Preselects the browser's time zone in any <select data-detect-time-zone>, if the list has it
// and the person has not chosen a zone themselves. The select is left alone when
//   - the form came back with errors: it shows what the person submitted;
//   - the browser restored an earlier choice (back button, reload): the value differs from the
//     option the server marked as selected.
(function () {
  "use strict";
  var detected;
  try {
    detected = Intl.DateTimeFormat().resolvedOptions().timeZone;
  } catch (error) {
    return;
  }
  if (!detected) {
    return;
  }

  function chosenByPerson(select) {
    if (select.form && select.form.querySelector("[aria-invalid='true']")) {
      return true;
    }
    var initial = Array.prototype.find.call(select.options, function (option) {
      return option.defaultSelected;
    });
    return Boolean(initial) && select.value !== initial.value;
  }

  document.querySelectorAll("select[data-detect-time-zone]").forEach(function (select) {
    if (chosenByPerson(select)) {
      return;
    }
    var known = Array.prototype.some.call(select.options, function (option) {
      return option.value === detected;
    });
    if (known) {
      select.value = detected;
    }
  });
})();
