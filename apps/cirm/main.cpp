// The `cirm` command-line tool: CLI11 wiring only. Each command is a function in
// src/cirm_cli/<command>.hpp that takes a plain options struct and the output streams, so the
// tests can run it in-process. A cirm::error (or any other exception) becomes one line
// "cirm <command>: error: <message>" on stderr and exit code 1; a usage error exits with 2.
#include <unistd.h>

#include <exception>
#include <functional>
#include <iostream>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "cirm_cli/annotate.hpp"
#include "cirm_cli/convert.hpp"
#include "cirm_cli/demo.hpp"
#include "cirm_cli/eval.hpp"
#include "cirm_cli/inspect.hpp"
#include "cirm_cli/locate.hpp"
#include "cirm_cli/report.hpp"
#include "cirm_cli/score.hpp"
#include "cirm_cli/search.hpp"

namespace {

/// --attribute NAME=regex:PATTERN, the custom attributes of locate, search and eval.
void add_custom_attributes(CLI::App& cmd, std::vector<std::string>& items) {
    cmd.add_option("--attribute", items,
                   "a custom attribute NAME=regex:PATTERN: the number of matches of the ECMAScript pattern in the "
                   "response (repeatable; added to --attributes)");
}

/// The options every model-running command shares.
void add_common(CLI::App& cmd, cirm::cli::common_options& o, bool model_required = true) {
    const std::string what = "model directory in the Hugging Face layout (config.json, model.safetensors or a "
                             "sharded index, tokenizer.json, tokenizer_config.json), or with --engine llamacpp a "
                             ".gguf made by cirm convert";
    auto* model =
        cmd.add_option("--model", o.model, model_required ? what : what + "; default: models/cirm-tiny-rm of the repo");
    if (model_required) model->required();
    cmd.add_option("--engine", o.engine,
                   "the engine that runs the model: reference (cirm's own) or llamacpp (llama.cpp; an HF directory "
                   "is converted to GGUF once, into $CIRM_CACHE_DIR or ~/.cache/cirm)")
        ->capture_default_str();
    cmd.add_option("--template", o.template_format,
                   "the text the model scores, with {prompt} and {response} (and optionally {system}), instead of "
                   "the model's chat template; write the model's BOS token in it if it has one");
    cmd.add_option("--system", o.system, "a system message before every prompt (in the chat template's own form)");
    cmd.add_option("--date", o.date,
                   "the date templates print (strftime_now, date_string), e.g. '06 Dec 2026' (default: the fixed '" +
                       std::string(cirm::default_template_date) + "', so that rewards do not change with the day)");
    cmd.add_option("--threads", o.threads, "threads for the engine and the statistics (0 = all cores)")
        ->capture_default_str();
    cmd.add_flag("--quiet,-q", o.quiet, "no progress bars or informational lines on stderr");
    cmd.add_flag("--json", o.json, "machine-readable output on stdout");
}

}  // namespace

int main(int argc, char** argv) {
    namespace cli = cirm::cli;
    CLI::App app{"cirm: find the neurons of a reward model that carry style biases (length, paragraphs, prompt "
                 "overlap, '!', **bold**) and pin them to their median at inference time (CIRM).\n"
                 "Commands write their outputs atomically; on an error nothing is written."};
    app.require_subcommand(1);
    app.set_help_all_flag("--help-all", "help for every command");

    // locate
    cli::locate_options locate;
    auto* locate_cmd = app.add_subcommand(
        "locate", "Localization: last-token activations of the validation responses, the Spearman table against "
                  "the bias attributes and the medians; writes correlation.safetensors and localization.json to "
                  "--out, and with --budgets a spec (spec.json, spec.safetensors).");
    add_common(*locate_cmd, locate.common);
    locate_cmd->add_option("--data", locate.data, "validation set, preference JSONL")->required();
    add_custom_attributes(*locate_cmd, locate.custom_attributes);
    locate_cmd->add_option("--attributes", locate.attributes,
                           "comma-separated bias attributes (default: length,paragraphs,overlap,exclamation,bold)");
    locate_cmd->add_option("--positions", locate.positions, "where the spec pins: last (token) or all (positions)")
        ->capture_default_str();
    locate_cmd->add_option("--replacement", locate.replacement, "pin value: median, mean or zero")
        ->capture_default_str();
    locate_cmd->add_option("--budgets", locate.budgets,
                           "write a spec for these budgets: K for every attribute, or NAME=K,... (others 0)");
    locate_cmd->add_option("--out", locate.out, "output directory")->required();

    // search
    cli::search_options search;
    auto* search_cmd = app.add_subcommand(
        "search",
        "Joint search of the budgets k_b on validation accuracy (docs/method.md section 7; TPE by default, the "
        "prefix cache makes trials cheap). Writes spec.json, spec.safetensors and trials.jsonl (trial, k per "
        "attribute, edited neurons, accuracy, seconds; trial 0 is the base, nothing edited) to --out.");
    add_common(*search_cmd, search.common);
    search_cmd->add_option("--data", search.data, "validation set, preference JSONL")->required();
    search_cmd->add_option("--trials", search.trials, "configurations to try, the base included")
        ->capture_default_str();
    search_cmd->add_option("--sampler", search.sampler, "tpe, random or grid")->capture_default_str();
    search_cmd->add_option("--seed", search.seed, "sampler seed")->capture_default_str();
    search_cmd->add_option("--k-grid", search.k_grid,
                           "candidate k per attribute, comma-separated (0 is always added). Default: "
                           "0,50,100,200,500,1000,2000,5000 for models with >= 500000 neurons, else the same 7 steps "
                           "scaled so that the largest is 5% of the neurons");
    add_custom_attributes(*search_cmd, search.custom_attributes);
    search_cmd->add_option("--attributes", search.attributes, "comma-separated bias attributes (default: the five)");
    search_cmd->add_option("--positions", search.positions, "where the spec pins: last or all")->capture_default_str();
    search_cmd->add_option("--replacement", search.replacement, "pin value: median, mean or zero")
        ->capture_default_str();
    search_cmd
        ->add_option("--selector", search.selector,
                     "spearman: the method's top/bottom-k by Spearman rho; shift: top/bottom-k by counterfactual "
                     "shift (how far each attribute's style edit moves the neuron, beyond the method)")
        ->capture_default_str();
    search_cmd
        ->add_option("--sites", search.sites,
                     "where the edit may go: all, attention (q, k, v, o), mlp (gate, up, down), first-half, "
                     "second-half (by layer), or site names separated by commas")
        ->capture_default_str();
    search_cmd
        ->add_option("--objective", search.objective,
                     "what a trial maximises: accuracy (the method's validation accuracy) or robust (beyond the "
                     "method: the mean of the accuracy and the accuracy against the style-edited rejected "
                     "responses of the flip rate's edits)")
        ->capture_default_str();
    search_cmd
        ->add_option("--robust-weight", search.robust_weight,
                     "with --objective robust: the weight w of the counterfactual accuracy, (1 - w) * accuracy + "
                     "w * counterfactual accuracy")
        ->capture_default_str();
    search_cmd
        ->add_option("--intervention", search.intervention,
                     "neurons: the method's neuron pins; directions: pin each attribute's direction of every "
                     "site's activations (beyond the method; k per attribute is 0 or 1, --sampler grid tries all)")
        ->capture_default_str();
    search_cmd
        ->add_option("--direction-kind", search.direction_kind,
                     "with --intervention directions: covariance (each neuron's covariance with the attribute's "
                     "ranks) or shift (the mean change under the attribute's style edit)")
        ->capture_default_str();
    search_cmd->add_option("--out", search.out, "output directory")->required();

    // eval
    cli::eval_options eval;
    auto* eval_cmd = app.add_subcommand(
        "eval", "Base, LP, LWR and (with --spec) CIRM on a test set: accuracy, neutral accuracy, biased / unbiased "
                "subsets with counts, style flip rates, RM-Bench easy/normal/hard, RewardBench sections and "
                "RewardBench 2 best-of-N / Ties scores for data in those formats; then the "
                "project's goal check. --json prints the contract document (see apps/cirm/README.md).");
    add_common(*eval_cmd, eval.common);
    eval_cmd->add_option("--data", eval.data, "test set: preference, RM-Bench, RewardBench or RewardBench 2 JSONL")
        ->required();
    eval_cmd
        ->add_option("--format", eval.format,
                     "the test set's format: auto (by the first line's fields), pairs, rm-bench, rewardbench or "
                     "rewardbench2")
        ->capture_default_str();
    eval_cmd->add_option("--spec", eval.spec, "spec (.json or .safetensors) to evaluate as CIRM");
    eval_cmd->add_option("--baselines", eval.baselines, "baselines to report: lp,lwr, one of them, or none")
        ->capture_default_str();
    add_custom_attributes(*eval_cmd, eval.custom_attributes);
    eval_cmd->add_option("--attributes", eval.attributes, "attributes of the subsets (default: the five)");
    eval_cmd->add_flag("!--no-flip-rates", eval.flip_rates, "skip the style flip rates (5 fewer scoring passes)");
    eval_cmd->add_option("--flip-pairs", eval.flip_pairs, "measure the flip rates on the first N pairs only (0 = all)")
        ->capture_default_str();
    eval_cmd->add_option("--out", eval.out, "also write the JSON document to this file (input of `cirm report`)");

    // score
    cli::score_options score;
    auto* score_cmd = app.add_subcommand(
        "score", "Rewards per response as JSONL. Input lines are preference pairs {prompt, chosen, rejected, id?} "
                 "(output {id, chosen_reward, rejected_reward}) or single responses {prompt, response, id?} (output "
                 "{id, reward}); with --spec, rewards of the debiased model.");
    add_common(*score_cmd, score.common);
    score_cmd->add_option("--data", score.data, "input JSONL")->required();
    score_cmd->add_option("--spec", score.spec, "spec (.json or .safetensors) to apply");
    score_cmd->add_option("--out", score.out, "output JSONL file (default: stdout)");

    // annotate
    cli::annotate_options annotate;
    auto* annotate_cmd = app.add_subcommand(
        "annotate", "DPO pairs from candidates: input lines {prompt, responses: [...], id?}; output lines {id, prompt, "
                    "chosen, rejected} with chosen / rejected the highest / lowest reward (under --spec if given).");
    add_common(*annotate_cmd, annotate.common);
    annotate_cmd->add_option("--data", annotate.data, "input JSONL of prompts with candidate responses")->required();
    annotate_cmd->add_option("--spec", annotate.spec, "spec (.json or .safetensors) to apply");
    annotate_cmd->add_option("--out", annotate.out, "output JSONL file (default: stdout)");
    annotate_cmd->add_option("--baseline", annotate.baseline, "length-correct the rewards first: lp or lwr");
    annotate_cmd->add_option("--report", annotate.report,
                             "JSON file: share of prompts whose pick is the line's 'correct' candidate, and the mean "
                             "style attributes of the picked, correct and all candidates (every line needs 'correct')");

    // report
    cli::report_options report;
    auto* report_cmd = app.add_subcommand(
        "report", "One self-contained HTML file (inline CSS and SVG, no scripts) from files earlier commands wrote: "
                  "the eval table(s) and goal check from --eval (the JSON of `cirm eval --out`), the chart of edited "
                  "neurons per layer x module kind from --spec, the accuracy per subset before/after chart, and the "
                  "base-vs-best trials from --trials.");
    report_cmd->add_option("--eval", report.eval, "evaluation JSON (cirm eval --out FILE)")->required();
    report_cmd->add_option("--spec", report.spec, "spec (.json or .safetensors) whose edited neurons are charted");
    report_cmd->add_option("--trials", report.trials, "trials.jsonl of `cirm search`");
    report_cmd->add_option("--ablations", report.ablations,
                           "ablations.json of tools/experiments/ablate.py (a table on the validation set)");
    report_cmd->add_option("--model", report.model,
                           "model directory (or a .gguf made by cirm convert), to chart all of its layers (optional)");
    report_cmd->add_option("--title", report.title, "title of the page")->capture_default_str();
    report_cmd->add_option("--out", report.out, "output HTML file")->required();
    report_cmd->add_flag("--quiet,-q", report.quiet, "no informational lines on stderr");
    report_cmd->add_flag("--json", report.json, "print {\"report\": path} on stdout");

    // inspect
    cli::inspect_options inspect;
    auto* inspect_cmd = app.add_subcommand(
        "inspect", "What a model directory is and what the reward model is fed: architecture, layers, sites and "
                   "neurons, tokenizer, the rendered template of an example pair with its tokens and ids, and the "
                   "memory the engine needs. Loads no weights.");
    add_common(*inspect_cmd, inspect.common);
    inspect_cmd->add_option("--prompt", inspect.prompt, "the example pair's prompt")->capture_default_str();
    inspect_cmd->add_option("--response", inspect.response, "the example pair's response");

    // convert
    cli::convert_options convert;
    auto* convert_cmd = app.add_subcommand(
        "convert",
        std::string("A Hugging Face reward-model directory as one GGUF file for llama.cpp: weights, tokenizer, "
                    "chat template and the score head (metadata cirm.score_head).") +
            (cli::convert_available ? "" : " Needs a build with -DCIRM_WITH_LLAMACPP=ON."));
    convert_cmd->add_option("--model", convert.model, "model directory in the Hugging Face layout")->required();
    convert_cmd->add_option("--out", convert.out, "the GGUF file to write")->required();
    convert_cmd->add_option("--type", convert.type, "element type of the matrices: f32, f16 or bf16 (vectors stay F32)")
        ->capture_default_str();
    convert_cmd->add_flag("--json", convert.json, "machine-readable output on stdout");

    // demo
    cli::demo_options demo;
    auto* demo_cmd = app.add_subcommand(
        "demo", "The whole method on the bundled model and data: locate + search on the validation set, eval on the "
                "test set, report; prints the table, the goal check and where the report and spec are.");
    add_common(*demo_cmd, demo.common, false);
    demo_cmd->add_option("--validation", demo.validation,
                         "validation set (default: data/validation.jsonl of the repo)");
    demo_cmd->add_option("--test", demo.test, "test set (default: data/test.jsonl of the repo)");
    demo_cmd->add_option("--out", demo.out, "output directory")->capture_default_str();
    demo_cmd->add_option("--trials", demo.trials, "search trials, the base included")->capture_default_str();
    demo_cmd->add_option("--sampler", demo.sampler, "tpe, random or grid")->capture_default_str();
    demo_cmd->add_option("--seed", demo.seed, "sampler seed")->capture_default_str();
    demo_cmd->add_option("--k-grid", demo.k_grid, "candidate k per attribute (default: scaled to the model)");
    demo_cmd->add_flag("!--no-flip-rates", demo.flip_rates, "skip the style flip rates");
    demo_cmd
        ->add_option("--flip-pairs", demo.flip_pairs,
                     "measure the flip rates on the first N test pairs only (0 = all; the default keeps the "
                     "demo within 5 minutes)")
        ->capture_default_str();
    demo_cmd->add_flag("!--no-variant", demo.variant,
                       "run the method alone, without the variant column (the best configuration of the ablations, "
                       "beyond the method)");
    demo_cmd
        ->add_option("--variant-intervention", demo.variant_intervention, "the variant's edit: neurons or directions")
        ->capture_default_str();
    demo_cmd
        ->add_option("--variant-direction-kind", demo.variant_direction_kind,
                     "the variant's directions (with --variant-intervention directions): covariance or shift")
        ->capture_default_str();
    demo_cmd->add_option("--variant-sampler", demo.variant_sampler, "the variant's sampler: tpe, random or grid")
        ->capture_default_str();
    demo_cmd
        ->add_option("--variant-k-grid", demo.variant_k_grid,
                     "the variant's candidates per attribute (as cirm search --k-grid; for directions 1 pins every "
                     "attribute, 0,1 searches which; empty: the model's default grid)")
        ->capture_default_str();
    demo_cmd
        ->add_option("--variant-selector", demo.variant_selector,
                     "the variant's selector (with --variant-intervention neurons): spearman or shift")
        ->capture_default_str();
    demo_cmd
        ->add_option("--variant-replacement", demo.variant_replacement, "the variant's pin value: median, mean or zero")
        ->capture_default_str();
    demo_cmd->add_option("--variant-sites", demo.variant_sites, "the variant's sites (as cirm search --sites)")
        ->capture_default_str();
    demo_cmd
        ->add_option("--variant-objective", demo.variant_objective,
                     "the variant's search objective: accuracy or robust")
        ->capture_default_str();
    demo_cmd
        ->add_option("--variant-robust-weight", demo.variant_robust_weight,
                     "the variant's weight of the counterfactual accuracy (with objective robust)")
        ->capture_default_str();

    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        const int code = app.exit(e);
        return code == 0 ? 0 : 2;
    }

    const bool stderr_is_terminal = ::isatty(STDERR_FILENO) == 1;
    const auto with_progress = [&](cli::common_options& o) { o.progress = stderr_is_terminal && !o.quiet; };
    std::string name;
    std::function<int()> run;
    if (*locate_cmd) {
        name = "locate";
        with_progress(locate.common);
        run = [&] { return cli::run_locate(locate, std::cout, std::cerr); };
    } else if (*search_cmd) {
        name = "search";
        with_progress(search.common);
        run = [&] { return cli::run_search(search, std::cout, std::cerr); };
    } else if (*eval_cmd) {
        name = "eval";
        with_progress(eval.common);
        run = [&] { return cli::run_eval(eval, std::cout, std::cerr); };
    } else if (*score_cmd) {
        name = "score";
        with_progress(score.common);
        run = [&] { return cli::run_score(score, std::cout, std::cerr); };
    } else if (*annotate_cmd) {
        name = "annotate";
        with_progress(annotate.common);
        run = [&] { return cli::run_annotate(annotate, std::cout, std::cerr); };
    } else if (*inspect_cmd) {
        name = "inspect";
        run = [&] { return cli::run_inspect(inspect, std::cout, std::cerr); };
    } else if (*convert_cmd) {
        name = "convert";
        run = [&] { return cli::run_convert(convert, std::cout, std::cerr); };
    } else if (*report_cmd) {
        name = "report";
        run = [&] { return cli::run_report(report, std::cout, std::cerr); };
    } else {
        name = "demo";
        with_progress(demo.common);
        run = [&] { return cli::run_demo(demo, std::cout, std::cerr); };
    }
    try {
        return run();
    } catch (const std::exception& e) {
        std::cout.flush();
        std::string message = e.what();
        for (auto& c : message)
            if (c == '\n' || c == '\r') c = ' ';  // one line, whatever the exception says
        std::cerr << "cirm " << name << ": error: " << message << std::endl;
        return 1;
    }
}
