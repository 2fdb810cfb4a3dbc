// The template peer comparison: renders every conversation that tests/peers/render_chat.mjs
// rendered with @huggingface/jinja, with cirm::chat_template, and requires the same text (or, where
// the peer's template raised, a cirm::error from cirm's as well). Prints the counts per template.
//
//   cirm_chat_peer_check PEER_FILE.json      exit 0: all agree; 1: a difference; 77: no peer file
#include <cstdio>
#include <exception>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "cirm/text/chat_template.hpp"

namespace {

/// Where two texts first differ, with a little of each around it.
std::string first_difference(const std::string& expected, const std::string& actual) {
    std::size_t at = 0;
    while (at < expected.size() && at < actual.size() && expected[at] == actual[at]) ++at;
    const std::size_t from = at > 40 ? at - 40 : 0;
    return "byte " + std::to_string(at) + ": peer " +
           nlohmann::json(expected.substr(from, 80)).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) +
           " vs cirm " +
           nlohmann::json(actual.substr(from, 80)).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace

int main(int argc, char** argv) {
    if (argc != 2) {
        std::fprintf(stderr, "usage: cirm_chat_peer_check PEER_FILE.json\n");
        return 2;
    }
    std::ifstream in(argv[1]);
    if (!in) {
        std::printf("skipped: %s is absent (tests/peers/render_chat.mjs writes it)\n", argv[1]);
        return 77;
    }
    const nlohmann::json peer = nlohmann::json::parse(in);
    const std::string date = peer.at("date_string").get<std::string>();
    std::size_t total_mismatches = 0, total_cases = 0, total_same = 0, total_both_raised = 0, total_refused = 0;
    for (const auto& entry : peer.at("templates")) {
        const std::string name = entry.at("name").get<std::string>();
        std::size_t same_text = 0, both_raised = 0, refused = 0, mismatches = 0, shown = 0;
        const bool errors_match_any = entry.value("errors_match_any", false);
        const bool refusals_allowed = entry.value("refusals_allowed", false);
        std::optional<cirm::chat_template> tmpl;
        std::string parse_error;
        try {
            tmpl.emplace(entry.at("source").get<std::string>(), name);
        } catch (const cirm::error& e) {
            parse_error = e.what();  // then every conversation counts as raised by cirm
        }
        try {
            cirm::chat_render_options options;
            options.bos_token = entry.at("bos_token").get<std::string>();
            options.eos_token = entry.at("eos_token").get<std::string>();
            options.date_string = date;
            for (const auto& item : entry.at("cases")) {
                std::vector<cirm::chat_message> messages;
                for (const auto& m : item.at("messages"))
                    messages.push_back({m.at("role").get<std::string>(), m.at("content").get<std::string>()});
                options.add_generation_prompt = item.at("add_generation_prompt").get<bool>();
                std::string rendered, error = parse_error;
                bool raised = !tmpl;
                try {
                    if (tmpl) rendered = tmpl->render(messages, options);
                } catch (const cirm::error& e) {
                    raised = true;
                    error = e.what();
                }
                const bool peer_raised = item.contains("error");
                bool agree = false;
                if (peer_raised && raised) {
                    // the template's own message must be in cirm's (unless the peer's messages are
                    // its language's exceptions, not the template's)
                    agree = errors_match_any || error.find(item.at("error").get<std::string>()) != std::string::npos;
                    if (agree) ++both_raised;
                } else if (!peer_raised && !raised) {
                    agree = rendered == item.at("output").get<std::string>();
                    if (agree) ++same_text;
                } else if (raised && refusals_allowed) {
                    agree = true;  // cirm refused what it does not implement: never a different text
                    ++refused;
                }
                if (!agree) {
                    ++mismatches;
                    if (shown++ < 3) {
                        std::printf("  %s, case %zu: ", name.c_str(),
                                    same_text + both_raised + refused + mismatches - 1);
                        if (peer_raised != raised)
                            std::printf("%s raised (%s)\n", raised ? "cirm" : "the peer",
                                        raised ? error.c_str() : item.at("error").get<std::string>().c_str());
                        else if (raised)
                            std::printf("different errors: peer '%s', cirm '%s'\n",
                                        item.at("error").get<std::string>().c_str(), error.c_str());
                        else
                            std::printf("%s\n",
                                        first_difference(item.at("output").get<std::string>(), rendered).c_str());
                    }
                }
            }
        } catch (const std::exception& e) {
            std::printf("%-26s refused: %s\n", name.c_str(), e.what());
            ++total_mismatches;
            continue;
        }
        const std::size_t cases = entry.at("cases").size();
        if (!refusals_allowed || mismatches > 0)
            std::printf("%-26s %zu conversations: %zu same text, %zu raised in both, %zu differ\n", name.c_str(), cases,
                        same_text, both_raised, mismatches);
        total_mismatches += mismatches;
        total_cases += cases;
        total_same += same_text;
        total_both_raised += both_raised;
        total_refused += refused;
    }
    std::printf("%zu conversations over %zu templates: %zu same text, %zu raised in both, %zu refused by cirm only, "
                "%zu differences\n",
                total_cases, peer.at("templates").size(), total_same, total_both_raised, total_refused,
                total_mismatches);
    return total_mismatches == 0 ? 0 : 1;
}
