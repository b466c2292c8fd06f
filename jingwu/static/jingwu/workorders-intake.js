// 受理登记: the 涉警投诉 box is offered for complaint categories (投诉/举报) only, and the accused-unit
// picker only once the box is ticked. Without JavaScript both stay visible; the server validates either way.
(() => {
  const form = document.getElementById("jw-wo-intake-form");
  const category = form?.querySelector("[name='category']");
  const box = form?.querySelector("[name='complaint_about_officer']");
  const unit = form?.querySelector("[name='accused_unit']");
  if (!category || !box || !unit) return;
  const complaintIds = (box.getAttribute("data-complaint-categories") || "").split(",").filter(Boolean);
  const boxColumn = box.closest(".row > div");
  const unitColumn = unit.closest(".row > div");
  const sync = () => {
    const complaint = complaintIds.includes(category.value);
    boxColumn?.classList.toggle("d-none", !complaint && !box.checked);
    unitColumn?.classList.toggle("d-none", !box.checked && !unit.value);
  };
  category.addEventListener("change", sync);
  box.addEventListener("change", sync);
  sync();
})();
