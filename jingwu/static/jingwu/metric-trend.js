// Renders the monthly trend of a metric page (data from a json_script block; no inline script: CSP).
document.querySelectorAll("[data-metric-trend]").forEach((el) => {
  const source = document.getElementById(el.getAttribute("data-metric-trend"));
  if (!source || typeof echarts === "undefined") return;
  const data = JSON.parse(source.textContent);
  const rate = data.kind === "rate";
  const chart = echarts.init(el, null, { renderer: "svg" });
  chart.setOption({
    animation: false,
    grid: { left: 48, right: 16, top: 24, bottom: 32 },
    tooltip: { trigger: "axis", valueFormatter: (v) => (v === null ? "—" : rate ? `${v}%` : v) },
    xAxis: { type: "category", data: data.months },
    yAxis: { type: "value", min: rate ? 0 : null, max: rate ? 100 : null },
    series: [{ name: data.label, type: rate ? "line" : "bar", data: data.values, connectNulls: false,
               itemStyle: { color: "#1d4e89" } }],
  });
  window.addEventListener("resize", () => chart.resize());
});
