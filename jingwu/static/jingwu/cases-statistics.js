// 案件统计: monthly trend (立案/破案) and the breakdown by 案由. Data comes from json_script blocks
// (no inline script: CSP).
(function () {
  if (typeof echarts === "undefined") return;
  const read = (id) => {
    const el = document.getElementById(id);
    return el ? JSON.parse(el.textContent) : null;
  };
  const charts = [];
  document.querySelectorAll("[data-cases-trend]").forEach((el) => {
    const data = read(el.getAttribute("data-cases-trend"));
    if (!data) return;
    const chart = echarts.init(el, null, { renderer: "svg" });
    const colours = ["#1d4e89", "#2e8b57"];
    chart.setOption({
      grid: { left: 40, right: 16, top: 32, bottom: 32 },
      legend: { top: 0 },
      tooltip: { trigger: "axis" },
      xAxis: { type: "category", data: data.months },
      yAxis: { type: "value", minInterval: 1 },
      series: data.series.map((s, i) => ({
        name: s.name, type: i === 0 ? "bar" : "line", data: s.data, itemStyle: { color: colours[i % 2] },
      })),
    });
    charts.push(chart);
  });
  document.querySelectorAll("[data-cases-pie]").forEach((el) => {
    const data = read(el.getAttribute("data-cases-pie"));
    if (!data) return;
    const chart = echarts.init(el, null, { renderer: "svg" });
    chart.setOption({
      tooltip: { trigger: "item", formatter: "{b}: {c} ({d}%)" },
      series: [{ type: "pie", radius: ["35%", "65%"], data: data.data, label: { fontSize: 11 } }],
    });
    charts.push(chart);
  });
  window.addEventListener("resize", () => charts.forEach((c) => c.resize()));
})();
