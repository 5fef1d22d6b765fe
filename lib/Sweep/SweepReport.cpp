//===- SweepReport.cpp - attn-sweep's table, CSV, JSON and HTML -----------===//
//
// The plots are drawn by hand as SVG: log-log axes (N in powers of 2, values
// in powers of 10), one colour per variant, so the page needs no script and
// no network.
//
//===----------------------------------------------------------------------===//

#include "attn/Sweep/SweepReport.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <sstream>

namespace attn::sweep {
namespace {

std::string fmt(const char *format, double value) {
  char buffer[64];
  std::snprintf(buffer, sizeof(buffer), format, value);
  return buffer;
}

/// The row's fields as text, in column order.
std::vector<std::string> fields(const Row &r) {
  return {r.variant,
          std::to_string(r.batch),
          std::to_string(r.heads),
          std::to_string(r.seqQ),
          std::to_string(r.seqK),
          std::to_string(r.headDim),
          fmt("%.0f", r.pairsUseful),
          fmt("%.0f", r.pairsExecuted),
          fmt("%.6g", r.gflopUseful),
          fmt("%.6g", r.gflopExecuted),
          fmt("%.0f", r.bytes),
          fmt("%.0f", r.peakExtraBytes),
          fmt("%.4g", r.predictedMs),
          fmt("%.4g", r.measuredMs),
          fmt("%.4g", r.minMs),
          fmt("%.4g", r.gflopsAchieved),
          fmt("%.1f", r.rooflinePct),
          r.relError ? fmt("%.2e", *r.relError) : std::string()};
}

std::string escape(const std::string &s) {
  std::string out;
  for (char c : s) {
    switch (c) {
    case '<':
      out += "&lt;";
      break;
    case '>':
      out += "&gt;";
      break;
    case '&':
      out += "&amp;";
      break;
    case '"':
      out += "&quot;";
      break;
    default:
      out += c;
    }
  }
  return out;
}

const char *const kColours[] = {"#1f77b4", "#d62728", "#2ca02c", "#9467bd",
                                "#ff7f0e", "#8c564b", "#e377c2", "#17becf",
                                "#7f7f7f", "#bcbd22"};

/// One line of a plot: points (x, y) in data units.
struct Series {
  std::string label, colour;
  bool dashed;
  std::vector<std::pair<double, double>> points;
};

/// A log-log plot of `series` as an <svg> element.
std::string plot(const std::string &title, const std::string &yLabel,
                 const std::vector<Series> &series) {
  const double width = 760, height = 380, left = 70, right = 290, top = 30,
               bottom = 45;
  double xMin = 1e300, xMax = 0, yMin = 1e300, yMax = 0;
  for (const Series &s : series)
    for (auto [x, y] : s.points) {
      if (x <= 0 || y <= 0)
        continue;
      xMin = std::min(xMin, x), xMax = std::max(xMax, x);
      yMin = std::min(yMin, y), yMax = std::max(yMax, y);
    }
  std::ostringstream os;
  os << "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" << width
     << "\" height=\"" << height << "\" viewBox=\"0 0 " << width << " "
     << height << "\" font-family=\"sans-serif\" font-size=\"11\">\n";
  os << "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n";
  os << "<text x=\"" << width / 2
     << "\" y=\"18\" text-anchor=\"middle\" "
        "font-size=\"14\">"
     << escape(title) << "</text>\n";
  if (xMax <= 0) {
    os << "<text x=\"" << width / 2 << "\" y=\"" << height / 2
       << "\" text-anchor=\"middle\">no data</text></svg>\n";
    return os.str();
  }
  double lx0 = std::floor(std::log2(xMin)), lx1 = std::ceil(std::log2(xMax));
  double ly0 = std::floor(std::log10(yMin)), ly1 = std::ceil(std::log10(yMax));
  if (lx1 == lx0)
    lx1 += 1;
  if (ly1 == ly0)
    ly1 += 1;
  double plotW = width - left - right, plotH = height - top - bottom;
  auto px = [&](double x) {
    return left + (std::log2(x) - lx0) / (lx1 - lx0) * plotW;
  };
  auto py = [&](double y) {
    return top + plotH - (std::log10(y) - ly0) / (ly1 - ly0) * plotH;
  };
  os << "<rect x=\"" << left << "\" y=\"" << top << "\" width=\"" << plotW
     << "\" height=\"" << plotH << "\" fill=\"none\" stroke=\"#444\"/>\n";
  for (double e = lx0; e <= lx1; ++e) {
    double x = px(std::exp2(e));
    os << "<line x1=\"" << x << "\" y1=\"" << top << "\" x2=\"" << x
       << "\" y2=\"" << top + plotH << "\" stroke=\"#ddd\"/>\n";
    os << "<text x=\"" << x << "\" y=\"" << top + plotH + 15
       << "\" text-anchor=\"middle\">" << fmt("%.0f", std::exp2(e))
       << "</text>\n";
  }
  for (double e = ly0; e <= ly1; ++e) {
    double y = py(std::pow(10, e));
    os << "<line x1=\"" << left << "\" y1=\"" << y << "\" x2=\"" << left + plotW
       << "\" y2=\"" << y << "\" stroke=\"#ddd\"/>\n";
    os << "<text x=\"" << left - 5 << "\" y=\"" << y + 4
       << "\" text-anchor=\"end\">" << fmt("%g", std::pow(10, e))
       << "</text>\n";
  }
  os << "<text x=\"" << left + plotW / 2 << "\" y=\"" << height - 8
     << "\" text-anchor=\"middle\">sequence length N</text>\n";
  os << "<text transform=\"translate(15," << top + plotH / 2
     << ") rotate(-90)\" text-anchor=\"middle\">" << escape(yLabel)
     << "</text>\n";
  int legend = 0;
  for (const Series &s : series) {
    std::string path;
    for (auto [x, y] : s.points)
      if (x > 0 && y > 0)
        path += (path.empty() ? "M" : " L") + fmt("%.1f", px(x)) + "," +
                fmt("%.1f", py(y));
    if (path.empty())
      continue;
    os << "<path d=\"" << path << "\" fill=\"none\" stroke=\"" << s.colour
       << "\" stroke-width=\"2\""
       << (s.dashed ? " stroke-dasharray=\"6,4\"" : "") << "/>\n";
    if (s.label.empty())
      continue;
    double ly = top + 10 + 16 * legend++;
    os << "<line x1=\"" << left + plotW + 10 << "\" y1=\"" << ly << "\" x2=\""
       << left + plotW + 34 << "\" y2=\"" << ly << "\" stroke=\"" << s.colour
       << "\" stroke-width=\"2\""
       << (s.dashed ? " stroke-dasharray=\"6,4\"" : "") << "/>\n";
    os << "<text x=\"" << left + plotW + 38 << "\" y=\"" << ly + 4 << "\">"
       << escape(s.label) << "</text>\n";
  }
  os << "</svg>\n";
  return os.str();
}

/// Rows grouped by variant, in first-appearance order, sorted by N.
std::vector<std::pair<std::string, std::vector<const Row *>>>
byVariant(const std::vector<Row> &rows) {
  std::vector<std::pair<std::string, std::vector<const Row *>>> groups;
  for (const Row &r : rows) {
    auto it = std::find_if(groups.begin(), groups.end(),
                           [&](auto &g) { return g.first == r.variant; });
    if (it == groups.end()) {
      groups.push_back({r.variant, {}});
      it = groups.end() - 1;
    }
    it->second.push_back(&r);
  }
  for (auto &g : groups)
    std::sort(g.second.begin(), g.second.end(),
              [](const Row *a, const Row *b) { return a->seqK < b->seqK; });
  return groups;
}

/// Two series per variant: `solid(row)` drawn solid, `dashed(row)` dashed.
template <typename Solid, typename Dashed>
std::vector<Series>
pairedSeries(const std::vector<Row> &rows, const std::string &solidSuffix,
             const std::string &dashedSuffix, Solid solid, Dashed dashed) {
  std::vector<Series> out;
  int colour = 0;
  for (auto &[variant, group] : byVariant(rows)) {
    std::string c = kColours[colour++ % std::size(kColours)];
    Series a{variant + solidSuffix, c, false, {}};
    Series b{dashedSuffix.empty() ? "" : variant + dashedSuffix, c, true, {}};
    for (const Row *r : group) {
      a.points.push_back({double(r->seqK), solid(*r)});
      b.points.push_back({double(r->seqK), dashed(*r)});
    }
    out.push_back(a);
    out.push_back(b);
  }
  return out;
}

std::string layoutSvg(const Layout &layout) {
  const int cell = 12;
  int rows = int(layout.rows.size());
  int cols = rows ? int(layout.rows[0].size()) : 0;
  std::ostringstream os;
  os << "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" << cols * cell
     << "\" height=\"" << rows * cell << "\">\n";
  for (int i = 0; i < rows; ++i)
    for (int j = 0; j < cols; ++j) {
      char c = layout.rows[i][j];
      const char *fill = c == 'F'   ? "#1f4e79"
                         : c == 'P' ? "#9dc3e6"
                                    : "#f4f4f4";
      os << "<rect x=\"" << j * cell << "\" y=\"" << i * cell << "\" width=\""
         << cell - 1 << "\" height=\"" << cell - 1 << "\" fill=\"" << fill
         << "\"/>\n";
    }
  os << "</svg>\n";
  return os.str();
}

} // namespace

const std::vector<std::string> &columnNames() {
  static const std::vector<std::string> names = {
      "variant",      "batch",          "heads",        "seq_q",
      "seq_k",        "head_dim",       "pairs_useful", "pairs_executed",
      "gflop_useful", "gflop_executed", "bytes",        "peak_extra_bytes",
      "predicted_ms", "measured_ms",    "min_ms",       "gflops_achieved",
      "roofline_pct", "rel_error"};
  return names;
}

std::vector<std::pair<std::string, double>>
medianRatios(const std::vector<Row> &rows) {
  std::vector<std::pair<std::string, double>> out;
  std::vector<double> all;
  for (auto &[variant, group] : byVariant(rows)) {
    std::vector<double> ratios;
    for (const Row *r : group)
      if (r->predictedMs > 0)
        ratios.push_back(r->measuredMs / r->predictedMs);
    all.insert(all.end(), ratios.begin(), ratios.end());
    if (ratios.empty())
      continue;
    std::sort(ratios.begin(), ratios.end());
    out.push_back({variant, ratios[ratios.size() / 2]});
  }
  if (!all.empty()) {
    std::sort(all.begin(), all.end());
    out.push_back({"all rows", all[all.size() / 2]});
  }
  return out;
}

std::string formatTable(const std::vector<Row> &rows, const Peaks &peaks) {
  std::vector<std::vector<std::string>> cells = {columnNames()};
  for (const Row &r : rows)
    cells.push_back(fields(r));
  std::vector<size_t> widths(columnNames().size(), 0);
  for (auto &line : cells)
    for (size_t i = 0; i < line.size(); ++i)
      widths[i] = std::max(widths[i], line[i].size());
  std::ostringstream os;
  os << "# machine peaks: " << fmt("%.1f", peaks.gflops)
     << " GFLOP/s FP32 FMA, " << fmt("%.1f", peaks.bandwidthGBs) << " GB/s ("
     << peaks.source << ")\n";
  for (auto &line : cells) {
    std::string text;
    for (size_t i = 0; i < line.size(); ++i) {
      if (i == 0)
        text += line[i] + std::string(widths[i] - line[i].size(), ' ');
      else
        text += "  " + std::string(widths[i] - line[i].size(), ' ') + line[i];
    }
    // An unchecked row has an empty last column.
    os << text.substr(0, text.find_last_not_of(' ') + 1) << "\n";
  }
  os << "# measured / predicted, median per variant:";
  for (auto &[variant, ratio] : medianRatios(rows))
    os << " " << variant << " " << fmt("%.2f", ratio) << ";";
  os << "\n";
  return os.str();
}

std::string formatCsv(const std::vector<Row> &rows) {
  std::ostringstream os;
  const auto &names = columnNames();
  for (size_t i = 0; i < names.size(); ++i)
    os << (i ? "," : "") << names[i];
  os << "\n";
  for (const Row &r : rows) {
    auto f = fields(r);
    for (size_t i = 0; i < f.size(); ++i)
      os << (i ? "," : "") << f[i];
    os << "\n";
  }
  return os.str();
}

std::string formatJson(const std::vector<Row> &rows, const Peaks &peaks) {
  std::ostringstream os;
  os << "{\n  \"machine\": {\"gflops\": " << fmt("%.6g", peaks.gflops)
     << ", \"bandwidth_gbs\": " << fmt("%.6g", peaks.bandwidthGBs)
     << ", \"source\": \"" << peaks.source << "\"},\n  \"rows\": [";
  const auto &names = columnNames();
  for (size_t k = 0; k < rows.size(); ++k) {
    auto f = fields(rows[k]);
    os << (k ? ",\n    {" : "\n    {");
    for (size_t i = 0; i < f.size(); ++i) {
      os << (i ? ", " : "") << "\"" << names[i] << "\": ";
      if (i == 0)
        os << "\"" << f[i] << "\"";
      else if (f[i].empty())
        os << "null";
      else
        os << f[i];
    }
    os << "}";
  }
  os << "\n  ]\n}\n";
  return os.str();
}

std::string formatTimePlotSvg(const std::vector<Row> &rows) {
  return plot("Kernel time vs N: measured (solid), predicted roofline (dashed)",
              "milliseconds",
              pairedSeries(
                  rows, "", " (predicted)",
                  [](const Row &r) { return r.measuredMs; },
                  [](const Row &r) { return r.predictedMs; }));
}

std::string formatHtml(const std::vector<Row> &rows, const Peaks &peaks,
                       const std::vector<Layout> &layouts) {
  std::ostringstream os;
  os << "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
        "<title>attn-sweep report</title>\n<style>body{font-family:sans-"
        "serif;margin:24px;max-width:1100px}table{border-collapse:collapse;"
        "font-size:12px}td,th{border:1px solid #ccc;padding:2px 6px;text-"
        "align:right}td:first-child{text-align:left}.layouts{display:flex;"
        "flex-wrap:wrap;gap:18px}.layouts figure{margin:0}</style></head>\n"
        "<body>\n<h1>attn-sweep: predicted cost beside measured time</h1>\n";
  os << "<p>Machine peaks: " << fmt("%.1f", peaks.gflops)
     << " GFLOP/s FP32 FMA, " << fmt("%.1f", peaks.bandwidthGBs) << " GB/s ("
     << escape(peaks.source)
     << "). Predicted = roofline max(executed FLOPs / peak, bytes / "
        "bandwidth); see docs/cost-model.md.</p>\n";
  os << "<h2>Time</h2>\n<p>Measured / predicted, median per variant:";
  for (auto &[variant, ratio] : medianRatios(rows))
    os << " " << escape(variant) << " <b>" << fmt("%.2f", ratio) << "</b>;";
  os << "</p>\n" << formatTimePlotSvg(rows);
  os << "<h2>Work: executed (solid) vs useful (dashed) FLOPs</h2>\n"
     << plot("GFLOP executed (solid) and useful (dashed)", "GFLOP",
             pairedSeries(
                 rows, "", "", [](const Row &r) { return r.gflopExecuted; },
                 [](const Row &r) { return r.gflopUseful; }));
  os << "<h2>Peak extra memory: fused (solid) vs materialized N x N "
        "(dashed)</h2>\n"
     << plot("Peak extra bytes: fused (solid), materialized (dashed)", "bytes",
             pairedSeries(
                 rows, "", " (materialized)",
                 [](const Row &r) { return r.peakExtraBytes; },
                 [](const Row &r) { return r.materializedPeakBytes; }));
  os << "<h2>Block layouts</h2>\n<p>Tiles at a small N: dark = full (no "
        "per-element mask), light = partial, grey = skipped.</p>\n"
        "<div class=\"layouts\">\n";
  for (const Layout &l : layouts)
    os << "<figure>" << layoutSvg(l) << "<figcaption>" << escape(l.variant)
       << " (N = " << l.n << ", tiles " << l.tileQ << "x" << l.tileK
       << ")</figcaption></figure>\n";
  os << "</div>\n<h2>Rows</h2>\n<table>\n<tr>";
  for (const std::string &name : columnNames())
    os << "<th>" << name << "</th>";
  os << "</tr>\n";
  for (const Row &r : rows) {
    os << "<tr>";
    for (const std::string &f : fields(r))
      os << "<td>" << escape(f) << "</td>";
    os << "</tr>\n";
  }
  os << "</table>\n</body></html>\n";
  return os.str();
}

} // namespace attn::sweep
