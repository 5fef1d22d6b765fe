//===- SweepReport.h - attn-sweep's rows and report -----------*- C++ -*-===//

#ifndef ATTN_SWEEP_SWEEPREPORT_H
#define ATTN_SWEEP_SWEEPREPORT_H

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace attn::sweep {

/// One (variant, N) measurement beside the cost model's prediction. The
/// fields are the output columns, in order.
struct Row {
  std::string variant;
  int64_t batch, heads, seqQ, seqK, headDim;
  double pairsUseful, pairsExecuted;
  double gflopUseful, gflopExecuted;
  double bytes, peakExtraBytes;
  double predictedMs, measuredMs, minMs;
  double gflopsAchieved, rooflinePct;
  std::optional<double> relError;
  /// Not a column: the materialized chain's peak extra memory, for the plot.
  double materializedPeakBytes = 0;
};

/// The column names, in order (CSV header, JSON keys, table header).
const std::vector<std::string> &columnNames();

/// The machine peaks a sweep used, and where they came from.
struct Peaks {
  double gflops, bandwidthGBs;
  std::string source;
};

/// A variant's block layout at a small N, for the report's thumbnails: one
/// letter per tile ('F' full, 'P' partial, '.' empty), row by row.
struct Layout {
  std::string variant;
  int64_t n, tileQ, tileK;
  std::vector<std::string> rows;
};

/// measured / predicted per variant (median over its rows), then over all
/// rows ("all rows").
std::vector<std::pair<std::string, double>>
medianRatios(const std::vector<Row> &rows);

std::string formatTable(const std::vector<Row> &rows, const Peaks &peaks);
std::string formatCsv(const std::vector<Row> &rows);
std::string formatJson(const std::vector<Row> &rows, const Peaks &peaks);

/// A self-contained HTML page (no network) with inline SVG plots: time vs N
/// (measured solid, predicted dashed), executed vs useful GFLOP, peak extra
/// memory fused vs materialized, and the layouts.
std::string formatHtml(const std::vector<Row> &rows, const Peaks &peaks,
                       const std::vector<Layout> &layouts);

/// Only the time-vs-N plot, as a standalone SVG document.
std::string formatTimePlotSvg(const std::vector<Row> &rows);

} // namespace attn::sweep

#endif // ATTN_SWEEP_SWEEPREPORT_H
