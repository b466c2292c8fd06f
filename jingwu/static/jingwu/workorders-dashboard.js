// 接诉即办驾驶舱: period selector toggling and the ECharts charts. Data come from the
// <script type="application/json" id="wo-dashboard-data"> block (json_script); no inline script (CSP).
(function () {
  "use strict";

  // Show only the inputs of the chosen period mode (all stay visible without JavaScript).
  const mode = document.querySelector("[data-wo-period]");
  function syncModes() {
    if (!mode) return;
    document.querySelectorAll("[data-wo-mode]").forEach((el) => {
      el.classList.toggle("d-none", el.getAttribute("data-wo-mode") !== mode.value);
    });
  }
  if (mode) {
    mode.addEventListener("change", syncModes);
    syncModes();
  }

  const source = document.getElementById("wo-dashboard-data");
  if (!source || typeof window.echarts === "undefined") return;
  const data = JSON.parse(source.textContent || "{}");
  const charts = [];
  const L = data.labels || {};

  function go(url) {
    if (url) window.location.href = url;
  }

  const trendEl = document.getElementById("wo-trend-chart");
  if (trendEl && data.trend) {
    const t = data.trend;
    const chart = window.echarts.init(trendEl);
    const rate = (name, key) => ({
      name: name, type: "line", yAxisIndex: 0, smooth: true, connectNulls: false,
      data: t.series[key], metricKey: key,
    });
    chart.setOption({
      tooltip: { trigger: "axis" },
      legend: { top: 0, data: [L.response_rate, L.resolution_rate, L.satisfaction_rate, L.completed] },
      grid: { left: 44, right: 44, top: 36, bottom: 28 },
      xAxis: { type: "category", data: t.months },
      yAxis: [
        { type: "value", name: "%", min: 0, max: 100 },
        { type: "value", name: L.unit_count, minInterval: 1, splitLine: { show: false } },
      ],
      series: [
        { name: L.completed, type: "bar", yAxisIndex: 1, data: t.series.completed, metricKey: "completed",
          itemStyle: { color: "#b8c9e0" }, barMaxWidth: 28 },
        rate(L.response_rate, "response_rate"),
        rate(L.resolution_rate, "resolution_rate"),
        rate(L.satisfaction_rate, "satisfaction_rate"),
      ],
    });
    chart.on("click", (p) => {
      const key = chart.getOption().series[p.seriesIndex].metricKey;
      go((t.urls[key] || [])[p.dataIndex]);
    });
    charts.push(chart);
  }

  const catEl = document.getElementById("wo-category-chart");
  if (catEl && data.categories) {
    const c = data.categories;
    const chart = window.echarts.init(catEl);
    chart.setOption({
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
      legend: { top: 0, data: [L.dispatched, L.completed, L.overdue] },
      grid: { left: 8, right: 16, top: 36, bottom: 8, containLabel: true },
      xAxis: { type: "value", minInterval: 1 },
      yAxis: { type: "category", data: c.names, inverse: true },
      series: [
        { name: L.dispatched, type: "bar", data: c.dispatched, itemStyle: { color: "#1f4e79" }, metricKey: "dispatched" },
        { name: L.completed, type: "bar", data: c.completed, itemStyle: { color: "#5b9bd5" }, metricKey: "completed" },
        { name: L.overdue, type: "bar", data: c.overdue, itemStyle: { color: "#c0392b" }, metricKey: "overdue" },
      ],
    });
    // A bar opens the rows it counts: that figure's drill-down rows of that category.
    chart.on("click", (p) => {
      const key = chart.getOption().series[p.seriesIndex].metricKey;
      go(((c.urls || {})[key] || [])[p.dataIndex]);
    });
    charts.push(chart);
  }

  window.addEventListener("resize", () => charts.forEach((ch) => ch.resize()));
})();
