#pragma once
/// \file
/// The two SVG charts of the HTML report, as inline <svg> text with explicit width and height
/// (so that they render at a fixed size with no stylesheet or script): a heat map of edited
/// neurons per layer × module kind, and grouped horizontal bars (a share per category and
/// series, e.g. accuracy per subset per method).

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include <fmt/format.h>

namespace cirm {

/// Text escaped for HTML / SVG content and attribute values.
inline std::string html_escape(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (char c : text) {
        switch (c) {
            case '&': out += "&amp;"; break;
            case '<': out += "&lt;"; break;
            case '>': out += "&gt;"; break;
            case '"': out += "&quot;"; break;
            case '\'': out += "&#39;"; break;
            default: out += c;
        }
    }
    return out;
}

/// A heat map: counts[r][c] for row labels (layers) × column labels (module kinds); each cell
/// shows its count, shaded by its share of the largest count.
inline std::string svg_heatmap(const std::vector<std::string>& rows, const std::vector<std::string>& columns,
                               const std::vector<std::vector<std::size_t>>& counts, std::string_view title) {
    constexpr int cell_w = 64, cell_h = 28, left = 80, top = 48;
    const int width = left + cell_w * static_cast<int>(columns.size()) + 16;
    const int height = top + cell_h * static_cast<int>(rows.size()) + 16;
    std::size_t largest = 0;
    for (const auto& r : counts)
        for (auto v : r) largest = std::max(largest, v);
    std::string svg = fmt::format(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart\" width=\"{0}\" height=\"{1}\" viewBox=\"0 0 {0} {1}\" "
        "role=\"img\" aria-label=\"{2}\">\n",
        width, height, html_escape(title));
    svg += fmt::format("<text x=\"{}\" y=\"18\" class=\"title\">{}</text>\n", left, html_escape(title));
    for (std::size_t c = 0; c < columns.size(); ++c)
        svg += fmt::format("<text x=\"{}\" y=\"{}\" text-anchor=\"middle\" class=\"label\">{}</text>\n",
                           left + cell_w * static_cast<int>(c) + cell_w / 2, top - 8, html_escape(columns[c]));
    for (std::size_t r = 0; r < rows.size(); ++r) {
        const int y = top + cell_h * static_cast<int>(r);
        svg += fmt::format("<text x=\"{}\" y=\"{}\" text-anchor=\"end\" class=\"label\">{}</text>\n", left - 8,
                           y + cell_h / 2 + 4, html_escape(rows[r]));
        for (std::size_t c = 0; c < columns.size(); ++c) {
            const std::size_t v = c < counts[r].size() ? counts[r][c] : 0;
            const double share = largest ? static_cast<double>(v) / static_cast<double>(largest) : 0.0;
            // white → deep blue; the text turns white on dark cells
            const int red = static_cast<int>(std::lround(255 - share * (255 - 31)));
            const int green = static_cast<int>(std::lround(255 - share * (255 - 78)));
            const int blue = static_cast<int>(std::lround(255 - share * (255 - 160)));
            const int x = left + cell_w * static_cast<int>(c);
            svg += fmt::format(
                "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"rgb({},{},{})\" stroke=\"#ccc\"/>", x, y,
                cell_w, cell_h, red, green, blue);
            svg += fmt::format("<text x=\"{}\" y=\"{}\" text-anchor=\"middle\" class=\"value\" fill=\"{}\">{}</text>\n",
                               x + cell_w / 2, y + cell_h / 2 + 4, share > 0.55 ? "#fff" : "#222", v);
        }
    }
    svg += "</svg>\n";
    return svg;
}

/// One series of a bar chart: a name, a colour, and one value in [0, 1] per category (NaN = none).
struct bar_series {
    std::string name;
    std::string color;
    std::vector<double> values;
};

/// Grouped horizontal bars: for each category one bar per series, the value as a percentage.
inline std::string svg_grouped_bars(const std::vector<std::string>& categories, const std::vector<bar_series>& series,
                                    std::string_view title) {
    constexpr int left = 200, bar_h = 12, gap = 10, plot_w = 420, top = 56;
    const int group_h = bar_h * static_cast<int>(series.size()) + gap;
    const int width = left + plot_w + 70;
    const int height = top + group_h * static_cast<int>(categories.size()) + 28;
    std::string svg = fmt::format(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart\" width=\"{0}\" height=\"{1}\" viewBox=\"0 0 {0} {1}\" "
        "role=\"img\" aria-label=\"{2}\">\n",
        width, height, html_escape(title));
    svg += fmt::format("<text x=\"{}\" y=\"18\" class=\"title\">{}</text>\n", left, html_escape(title));
    // legend
    int lx = left;
    for (const auto& s : series) {
        svg += fmt::format("<rect x=\"{}\" y=\"28\" width=\"12\" height=\"12\" fill=\"{}\"/>", lx, s.color);
        svg += fmt::format("<text x=\"{}\" y=\"38\" class=\"label\">{}</text>\n", lx + 16, html_escape(s.name));
        lx += 24 + 8 * static_cast<int>(s.name.size()) + 12;
    }
    // grid lines at 0, 25, 50, 75, 100 %
    const int plot_bottom = top + group_h * static_cast<int>(categories.size());
    for (int p = 0; p <= 100; p += 25) {
        const int x = left + plot_w * p / 100;
        svg +=
            fmt::format("<line x1=\"{0}\" y1=\"{1}\" x2=\"{0}\" y2=\"{2}\" stroke=\"#ddd\"/>", x, top - 4, plot_bottom);
        svg += fmt::format("<text x=\"{}\" y=\"{}\" text-anchor=\"middle\" class=\"tick\">{}%</text>\n", x,
                           plot_bottom + 16, p);
    }
    for (std::size_t c = 0; c < categories.size(); ++c) {
        const int y0 = top + group_h * static_cast<int>(c);
        svg += fmt::format("<text x=\"{}\" y=\"{}\" text-anchor=\"end\" class=\"label\">{}</text>\n", left - 8,
                           y0 + (group_h - gap) / 2 + 4, html_escape(categories[c]));
        for (std::size_t s = 0; s < series.size(); ++s) {
            const int y = y0 + bar_h * static_cast<int>(s);
            const double v = c < series[s].values.size() ? series[s].values[c] : std::nan("");
            if (std::isnan(v)) {
                svg += fmt::format("<text x=\"{}\" y=\"{}\" class=\"tick\">n/a</text>\n", left + 4, y + bar_h - 2);
                continue;
            }
            const double clamped = std::clamp(v, 0.0, 1.0);
            const double w = std::max(1.0, clamped * plot_w);
            svg += fmt::format(
                "<rect x=\"{}\" y=\"{}\" width=\"{:.1f}\" height=\"{}\" fill=\"{}\"><title>{}: {:.1f}%</title></rect>",
                left, y, w, bar_h - 1, series[s].color, html_escape(series[s].name), 100.0 * v);
            svg += fmt::format("<text x=\"{:.1f}\" y=\"{}\" class=\"tick\">{:.1f}</text>\n", left + w + 4,
                               y + bar_h - 2, 100.0 * v);
        }
    }
    svg += "</svg>\n";
    return svg;
}

}  // namespace cirm
