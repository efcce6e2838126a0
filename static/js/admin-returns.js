// After an htmx action on a return, move focus to the outcome so keyboard and screen
// reader users hear what happened and continue from there.
document.addEventListener("htmx:afterSwap", function (event) {
  var outcome = event.detail.target.querySelector("#return-outcome");
  if (outcome && outcome.textContent.trim()) {
    outcome.focus();
  }
});
