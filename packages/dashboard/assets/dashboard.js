// Docket dashboard: asks before destructive actions. Loaded as a file (the Content
// Security Policy allows no inline script); forms work without it.
document.addEventListener("submit", (event) => {
  const form = event.target;
  if (!(form instanceof HTMLFormElement)) return;
  const question = form.dataset.confirm;
  if (question !== undefined && !window.confirm(question)) event.preventDefault();
});
