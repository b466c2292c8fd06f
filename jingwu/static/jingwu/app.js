// Behaviour shared by every page. No inline scripts anywhere (the Content-Security-Policy forbids them).
document.addEventListener("change", (event) => {
  const el = event.target;
  if (el instanceof HTMLElement && el.matches("[data-autosubmit]")) {
    el.closest("form")?.requestSubmit();
  }
});
document.addEventListener("click", (event) => {
  const el = event.target instanceof Element ? event.target.closest("[data-confirm]") : null;
  if (el && !window.confirm(el.getAttribute("data-confirm"))) {
    event.preventDefault();
  }
});
// Expand or collapse every <details> of a tree: <button data-tree-toggle="open|close" data-tree-target="#id">.
document.addEventListener("click", (event) => {
  const el = event.target instanceof Element ? event.target.closest("[data-tree-toggle]") : null;
  if (!el) return;
  const root = document.querySelector(el.getAttribute("data-tree-target") || "body");
  const open = el.getAttribute("data-tree-toggle") === "open";
  root?.querySelectorAll("details").forEach((d) => { d.open = open; });
});
