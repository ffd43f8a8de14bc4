using Fabrix.Contracts.Errors;
using Fabrix.Core.Lanes.Operator;

namespace Fabrix.Core.Lanes.Tests.Operator;

public sealed class OperatorPathTests
{
    public static TheoryData<string> Accepted =>
    [
        "/",
        "/api",
        "/api/users/42",
        "/api/users/John%20Doe",
        "/api/users/caf%C3%A9",
        "/api/users/%F0%9F%98%80",
        "/api/users/%E2%82%AC",
        "/a...b/...",
        "/a..",
        "/..a",
        "/a-b_c~d!e$f&g'h(i)j*k+l,m=n:o@p",
        "/api/users/%41%42",
        "/api/%3F%23",
        "/fabrix.samples.users.v1.UserDirectory/GetUser",
        "/" + string.Join('/', Enumerable.Repeat("s", OperatorPath.MaxSegments)),
        "/" + new string('a', OperatorPath.MaxLength - 1),
    ];

    /// <summary>Every refusal of issue 10 section 2 plus the adversarial table: double encoding, mixed case, overlong UTF-8, look-alikes.</summary>
    public static TheoryData<string, string> Refused => new()
    {
        // Not absolute, or bad raw characters.
        { "", RefusalCodes.PathInvalidCharacter },
        { "api/users", RefusalCodes.PathInvalidCharacter },
        { "/a b", RefusalCodes.PathInvalidCharacter },
        { "/a#b", RefusalCodes.PathInvalidCharacter },
        { "/a\"b", RefusalCodes.PathInvalidCharacter },
        { "/a<b>", RefusalCodes.PathInvalidCharacter },
        { "/a{b}", RefusalCodes.PathInvalidCharacter },
        { "/a|b", RefusalCodes.PathInvalidCharacter },
        { "/a^b", RefusalCodes.PathInvalidCharacter },
        { "/a`b", RefusalCodes.PathInvalidCharacter },
        { "/caf\u00e9", RefusalCodes.PathInvalidCharacter },
        { "/a\uFF0E\uFF0E/b", RefusalCodes.PathInvalidCharacter },
        { "/a\u2215b", RefusalCodes.PathInvalidCharacter },
        { "/a\u2024\u2024", RefusalCodes.PathInvalidCharacter },
        { "/a\uD800", RefusalCodes.PathInvalidCharacter },

        // Dot segments, plain and encoded in any case and mix, and any encoded '.'.
        { "/.", RefusalCodes.PathDotSegment },
        { "/..", RefusalCodes.PathDotSegment },
        { "/a/./b", RefusalCodes.PathDotSegment },
        { "/a/../b", RefusalCodes.PathDotSegment },
        { "/a/..", RefusalCodes.PathDotSegment },
        { "/a/%2e%2e/b", RefusalCodes.PathDotSegment },
        { "/a/%2E%2E/b", RefusalCodes.PathDotSegment },
        { "/a/%2e%2E/b", RefusalCodes.PathDotSegment },
        { "/a/.%2E/b", RefusalCodes.PathDotSegment },
        { "/a/%2e./b", RefusalCodes.PathDotSegment },
        { "/a/%2e/b", RefusalCodes.PathDotSegment },
        { "/%2e%2e/", RefusalCodes.PathDotSegment },
        { "/a%2eb", RefusalCodes.PathDotSegment },

        // Encoded separators and percent (double encoding).
        { "/a%2Fb", RefusalCodes.PathEncodedSeparator },
        { "/a%2fb", RefusalCodes.PathEncodedSeparator },
        { "/a%5Cb", RefusalCodes.PathEncodedSeparator },
        { "/a%5cb", RefusalCodes.PathEncodedSeparator },
        { "/..%2Fadmin", RefusalCodes.PathEncodedSeparator },
        { "/a%25b", RefusalCodes.PathEncodedPercent },
        { "/%252e%252e/admin", RefusalCodes.PathEncodedPercent },
        { "/a%252Fb", RefusalCodes.PathEncodedPercent },

        // Control characters, raw and encoded (C0, DEL, C1), NUL included.
        { "/a\0b", RefusalCodes.PathControlCharacter },
        { "/a\nb", RefusalCodes.PathControlCharacter },
        { "/a\tb", RefusalCodes.PathControlCharacter },
        { "/a\u007Fb", RefusalCodes.PathControlCharacter },
        { "/a\u0085b", RefusalCodes.PathControlCharacter },
        { "/%00", RefusalCodes.PathControlCharacter },
        { "/a%00.json", RefusalCodes.PathControlCharacter },
        { "/a%0d%0aSet-Cookie:x", RefusalCodes.PathControlCharacter },
        { "/a%7F", RefusalCodes.PathControlCharacter },
        { "/a%C2%85", RefusalCodes.PathControlCharacter },
        { "/a%c2%9f", RefusalCodes.PathControlCharacter },

        // Path parameters.
        { "/a;b", RefusalCodes.PathParameter },
        { "/..;/admin", RefusalCodes.PathParameter },
        { "/api;jsessionid=1/users", RefusalCodes.PathParameter },
        { "/a%3Bb", RefusalCodes.PathParameter },
        { "/a%3bb", RefusalCodes.PathParameter },

        // Empty segments and the trailing slash.
        { "//", RefusalCodes.PathEmptySegment },
        { "//api", RefusalCodes.PathEmptySegment },
        { "/a//b", RefusalCodes.PathEmptySegment },
        { "/api/users/", RefusalCodes.PathEmptySegment },

        // Malformed and non-UTF-8 percent-encoding, overlong forms included.
        { "/a%", RefusalCodes.PathMalformedEncoding },
        { "/a%2", RefusalCodes.PathMalformedEncoding },
        { "/a%zz", RefusalCodes.PathMalformedEncoding },
        { "/a%%32%65", RefusalCodes.PathMalformedEncoding },
        { "/a%u002e", RefusalCodes.PathMalformedEncoding },
        { "/%c0%ae%c0%ae/admin", RefusalCodes.PathMalformedEncoding },
        { "/%C0%AF", RefusalCodes.PathMalformedEncoding },
        { "/%c1%9c", RefusalCodes.PathMalformedEncoding },
        { "/%e0%80%ae", RefusalCodes.PathMalformedEncoding },
        { "/%f0%80%80%ae", RefusalCodes.PathMalformedEncoding },
        { "/%ed%a0%80", RefusalCodes.PathMalformedEncoding },
        { "/%f4%90%80%80", RefusalCodes.PathMalformedEncoding },
        { "/%f5%80%80%80", RefusalCodes.PathMalformedEncoding },
        { "/%ff", RefusalCodes.PathMalformedEncoding },
        { "/%80", RefusalCodes.PathMalformedEncoding },
        { "/%C3", RefusalCodes.PathMalformedEncoding },
        { "/%C3x", RefusalCodes.PathMalformedEncoding },
        { "/%E2%82", RefusalCodes.PathMalformedEncoding },
        { "/%C3%C3", RefusalCodes.PathMalformedEncoding },

        // Raw backslash.
        { "/a\\b", RefusalCodes.PathBackslash },
        { "/..\\admin", RefusalCodes.PathBackslash },

        // Encoded Unicode look-alikes of '.', '/', '\', '%', ';'.
        { "/%EF%BC%8E%EF%BC%8E/admin", RefusalCodes.PathLookalikeCharacter },
        { "/a%EF%BC%8Fb", RefusalCodes.PathLookalikeCharacter },
        { "/a%E2%88%95b", RefusalCodes.PathLookalikeCharacter },
        { "/a%E2%81%84b", RefusalCodes.PathLookalikeCharacter },
        { "/%E2%80%A5", RefusalCodes.PathLookalikeCharacter },
        { "/a%EF%BC%BCb", RefusalCodes.PathLookalikeCharacter },
        { "/a%EF%B9%A8b", RefusalCodes.PathLookalikeCharacter },
        { "/a%EF%BC%85b", RefusalCodes.PathLookalikeCharacter },
        { "/a%EF%BC%9Bb", RefusalCodes.PathLookalikeCharacter },

        // Bounds.
        { "/" + new string('a', OperatorPath.MaxLength), RefusalCodes.PathTooLong },
        { "/" + string.Join('/', Enumerable.Repeat("s", OperatorPath.MaxSegments + 1)), RefusalCodes.PathTooLong },
    };

    [Theory]
    [MemberData(nameof(Accepted))]
    public void Check_WellFormedPath_Accepts(string path)
    {
        Assert.Null(OperatorPath.Check(path));
    }

    [Theory]
    [MemberData(nameof(Refused))]
    public void Check_RefusedPath_ReturnsItsCode(string path, string code)
    {
        Assert.Equal(code, OperatorPath.Check(path));
    }

    [Theory]
    [MemberData(nameof(Refused))]
    public void Describe_EveryRefusal_HasItsOwnSentence(string path, string code)
    {
        _ = path;

        Assert.NotEqual("The path is refused.", OperatorPath.Describe(code));
    }
}
