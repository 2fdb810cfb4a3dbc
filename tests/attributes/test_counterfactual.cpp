#include <catch2/catch.hpp>

#include <optional>
#include <string>
#include <string_view>

#include "cirm/attributes/bold.hpp"
#include "cirm/attributes/exclamation.hpp"
#include "cirm/attributes/length.hpp"
#include "cirm/attributes/overlap.hpp"
#include "cirm/attributes/paragraphs.hpp"
#include "cirm/eval/counterfactual.hpp"

namespace attr = cirm::attributes;

namespace {

// The five method attributes of (prompt, response).
struct method_values {
    double length, paragraphs, overlap, exclamation, bold;
};
method_values measure(std::string_view prompt, std::string_view response) {
    return {attr::length{}(prompt, response), attr::paragraphs{}(prompt, response), attr::overlap{}(prompt, response),
            attr::exclamation{}(prompt, response), attr::bold{}(prompt, response)};
}

std::string edit(std::string_view attribute, std::string_view prompt, std::string_view response) {
    const std::optional<std::string> edited = cirm::inject_style(attribute, prompt, response);
    REQUIRE(edited.has_value());
    return *edited;
}

}  // namespace

// Expected edits are written out by hand from the definitions on inject_style.

TEST_CASE("the length edit appends a neutral sentence and leaves paragraphs, '!' and bold alone") {
    const std::string_view prompt = "What is the capital of France?";
    for (std::string_view response : {"Paris is the **capital**!\n\nIt is.", "Line one\n", "", "a\n\n\n"}) {
        const std::string edited = edit("length", prompt, response);
        const auto before = measure(prompt, response);
        const auto after = measure(prompt, edited);
        CHECK(after.length > before.length);
        CHECK(after.paragraphs == before.paragraphs);
        CHECK(after.exclamation == before.exclamation);
        CHECK(after.bold == before.bold);
    }
    CHECK(edit("length", prompt, "Paris.") == "Paris. Hopefully, everything above proves useful.");
    CHECK(edit("length", prompt, "Paris.\n") == "Paris.\nHopefully, everything above proves useful.");
    CHECK(edit("length", prompt, "") == "Hopefully, everything above proves useful.");
    // "Paris." is 6 code points; the sentence 42, plus the separating space
    CHECK(attr::length{}(prompt, edit("length", prompt, "Paris.")) == 6 + 1 + 42);
}

TEST_CASE("the paragraphs edit breaks at the first sentence end") {
    CHECK(edit("paragraphs", "", "First sentence. Second one.") == "First sentence.\n\nSecond one.");
    CHECK(edit("paragraphs", "", "Wow!  Two spaces? Yes.") == "Wow!\n\nTwo spaces? Yes.");
    CHECK(edit("paragraphs", "", "Why? Because.") == "Why?\n\nBecause.");
    CHECK(edit("paragraphs", "", "A.\n\nB. C") == "A.\n\nB.\n\nC");  // "A.\n\n" is no ". " break
    CHECK(edit("paragraphs", "", "Héllo wörld. Ça va?") == "Héllo wörld.\n\nÇa va?");
    CHECK(edit("paragraphs", "", "Version 3.5 is out. **Update** now!") == "Version 3.5 is out.\n\n**Update** now!");
    CHECK_FALSE(cirm::inject_style("paragraphs", "", "No break here").has_value());
    CHECK_FALSE(cirm::inject_style("paragraphs", "", "Ends. ").has_value());  // no text after the space
    CHECK_FALSE(cirm::inject_style("paragraphs", "", "Dot.\nNew line").has_value());
    CHECK_FALSE(cirm::inject_style("paragraphs", "", "").has_value());

    const std::string_view prompt = "Is the update out?";
    for (std::string_view response : {"Version 3.5 is out. **Update** now!", "A.\n\nB. C", "Wow!  Two spaces? Yes."}) {
        const auto before = measure(prompt, response);
        const auto after = measure(prompt, edit("paragraphs", prompt, response));
        CHECK(after.paragraphs == before.paragraphs + 1);
        CHECK(after.overlap == before.overlap);
        CHECK(after.exclamation == before.exclamation);
        CHECK(after.bold == before.bold);
    }
}

TEST_CASE("the exclamation edit turns the last sentence-ending '.' into '!'") {
    CHECK(edit("exclamation", "", "It works. See example.com.") == "It works. See example.com!");
    CHECK(edit("exclamation", "", "One. Two.\n") == "One. Two!\n");
    CHECK(edit("exclamation", "", "Done. Then v2.0") == "Done! Then v2.0");  // not the dot of "2.0"
    CHECK(edit("exclamation", "", "Wait...") == "Wait..!");
    CHECK_FALSE(cirm::inject_style("exclamation", "", "Use version 3.5").has_value());
    CHECK_FALSE(cirm::inject_style("exclamation", "", "No dots!").has_value());
    CHECK_FALSE(cirm::inject_style("exclamation", "", "").has_value());

    const std::string_view prompt = "does it work";
    for (std::string_view response : {"It works. See example.com.", "**Yes**.\n\nIt does. Really!"}) {
        const auto before = measure(prompt, response);
        const auto after = measure(prompt, edit("exclamation", prompt, response));
        CHECK(after.exclamation == before.exclamation + 1);
        CHECK(after.length == before.length);
        CHECK(after.paragraphs == before.paragraphs);
        CHECK(after.overlap == before.overlap);
        CHECK(after.bold == before.bold);
    }
}

TEST_CASE("the bold edit wraps the first all-letter word of at least 4 letters") {
    CHECK(edit("bold", "", "It is a good idea.") == "It is a **good** idea.");
    CHECK(edit("bold", "", "abc 12345 x1y2z3 word") == "abc 12345 x1y2z3 **word**");
    CHECK(edit("bold", "", "über straße good idea") == "über straße **good** idea");  // no word is cut
    CHECK(edit("bold", "", "*italic* text") == "***italic*** text");
    CHECK(edit("bold", "", "Line\n\nnext") == "**Line**\n\nnext");
    CHECK_FALSE(cirm::inject_style("bold", "", "a bc def").has_value());
    CHECK_FALSE(cirm::inject_style("bold", "", "").has_value());
    CHECK_FALSE(cirm::inject_style("bold", "", "日本語です").has_value());

    const std::string_view prompt = "Is it a good idea?";
    for (std::string_view response : {"It is a good idea.", "*italic* text", "Line\n\nnext!", "**Bold** word"}) {
        const auto before = measure(prompt, response);
        const auto after = measure(prompt, edit("bold", prompt, response));
        CHECK(after.bold == before.bold + 2);  // both markers
        CHECK(after.length == before.length + 4);
        CHECK(after.paragraphs == before.paragraphs);
        CHECK(after.overlap == before.overlap);
        CHECK(after.exclamation == before.exclamation);
    }
}

TEST_CASE("the overlap edit restates the prompt on a line before the response") {
    // W(y) = {paris}: overlap 0; after: W = {what,is,the,capital,of,france,paris}, 6 shared of 7
    const std::string edited = edit("overlap", "What is the capital of France?", "Paris.");
    CHECK(edited == "What is the capital of France?\nParis.");
    CHECK(attr::overlap{}("What is the capital of France?", edited) == Approx(6.0 / 7.0));
    // '!' becomes '.', '*' and line breaks are flattened: "Say hi. now"; W = {say,hi,now,hello,there}
    const std::string flattened = edit("overlap", "Say hi!\n\n**now**", "Hello there.");
    CHECK(flattened == "Say hi. now\nHello there.");
    CHECK(attr::overlap{}("Say hi!\n\n**now**", flattened) == Approx(3.0 / 5.0));
    // a response that starts on a new line gets no extra "\n"
    CHECK(edit("overlap", "name a color", "\nBlue is one.") == "name a color\nBlue is one.");
    CHECK(edit("overlap", "Hi there", "") == "Hi there\n");  // overlap 0 → 1
    // cannot raise the overlap: already 1, every prompt word already used, or no prompt word
    CHECK_FALSE(cirm::inject_style("overlap", "red blue", "Red, blue.").has_value());
    CHECK_FALSE(cirm::inject_style("overlap", "red", "red green").has_value());
    CHECK_FALSE(cirm::inject_style("overlap", "?!", "x").has_value());
    CHECK_FALSE(cirm::inject_style("overlap", "", "x").has_value());

    const std::string_view prompt = "Tell me **why** the sky is blue!\n\nPlease.";
    for (std::string_view response :
         {"Rayleigh scattering.", "\n\nBecause of **scattering**!", "\r\nIt is blue.", ""}) {
        const auto before = measure(prompt, response);
        const auto after = measure(prompt, edit("overlap", prompt, response));
        CHECK(after.overlap > before.overlap);
        CHECK(after.paragraphs == before.paragraphs);
        CHECK(after.exclamation == before.exclamation);
        CHECK(after.bold == before.bold);
    }
}

TEST_CASE("inject_style rejects attributes without an edit and invalid UTF-8") {
    CHECK_THROWS_WITH(cirm::inject_style("emoji", "", "x"),
                      "no style edit for bias attribute 'emoji' (edits exist for length, paragraphs, overlap, "
                      "exclamation, bold)");
    CHECK_THROWS_WITH(cirm::inject_style("bold", "", "word \xC3"),
                      "invalid UTF-8 at byte 5 of the response: truncated sequence");
    CHECK_THROWS_WITH(cirm::inject_style("overlap", "\x80", "word"),
                      "invalid UTF-8 at byte 0 of the prompt: unexpected continuation byte");
}
