// The admin pages' escaping: whatever the database or a request holds is
// written as text, never as markup.
#include <gtest/gtest.h>

#include "deliveryd/http/html.hpp"

namespace deliveryd {
namespace {

TEST(HtmlEscape, WritesEachSpecialCharacterAsAReference) {
    EXPECT_EQ(http::html::escape(R"(<a href="x" title='y'>&</a>)"),
              "&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;&lt;/a&gt;");
}

TEST(HtmlEscape, LeavesOtherTextAsItIs) {
    EXPECT_EQ(http::html::escape(""), "");
    EXPECT_EQ(http::html::escape("SMSID=1f8a&x"), "SMSID=1f8a&amp;x");
    EXPECT_EQ(http::html::escape("Người dùng 0912***78"), "Người dùng 0912***78");
    EXPECT_EQ(http::html::escape("&amp;"), "&amp;amp;") << "escaped once more, not left";
}

TEST(HtmlEscape, AScriptFromAPayloadStaysText) {
    const auto out = http::html::escape("phonenumber=<script>alert(1)</script>");
    EXPECT_EQ(out.find('<'), std::string::npos);
    EXPECT_EQ(out.find('>'), std::string::npos);
}

TEST(UrlComponent, EncodesAllButTheUnreservedCharacters) {
    EXPECT_EQ(http::html::url_component("+84 912/345?&=#"), "%2B84%20912%2F345%3F%26%3D%23");
    EXPECT_EQ(http::html::url_component("abc-XYZ_0.9~"), "abc-XYZ_0.9~");
    EXPECT_EQ(http::html::url_component("\xC3\xA9"), "%C3%A9");
}

}  // namespace
}  // namespace deliveryd
