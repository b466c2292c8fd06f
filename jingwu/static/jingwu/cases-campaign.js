// Campaign summary: seized items by kind as a bar chart (data from a json_script block; CSP forbids inline script).
document.querySelectorAll("[data-campaign-seizures]").forEach((el) => {
  const source = document.getElementById(el.getAttribute("data-campaign-seizures"));
  if (!source || typeof echarts === "undefined") return;
  const rows = JSON.parse(source.textContent);
  if (!rows.length) return;
  const chart = echarts.init(el, null, { renderer: "svg" });
  chart.setOption({
    grid: { left: 8, right: 24, top: 8, bottom: 8, containLabel: true },
    tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
    xAxis: { type: "value", minInterval: 1 },
    yAxis: { type: "category", data: rows.map((r) => r.name), inverse: true },
    series: [{ type: "bar", data: rows.map((r) => r.value), itemStyle: { color: "#1d4e89" }, label: { show: true, position: "right" } }],
  });
  window.addEventListener("resize", () => chart.resize());
});
