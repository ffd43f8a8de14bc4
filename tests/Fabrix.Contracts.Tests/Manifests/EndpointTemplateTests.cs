using Fabrix.Contracts.Manifests;

namespace Fabrix.Contracts.Tests.Manifests;

public sealed class EndpointTemplateTests
{
    [Fact]
    public void Parse_MethodsAndTemplate_ExposesTheParsedForm()
    {
        var template = EndpointTemplate.Parse("GET,POST /api/users/{id}/orders");

        Assert.Equal("GET,POST /api/users/{id}/orders", template.Value);
        Assert.Equal(["GET", "POST"], template.Methods);
        Assert.False(template.AnyMethod);
        Assert.Equal("/api/users/{id}/orders", template.Path);
        Assert.Equal(
            [new EndpointSegment("api", false), new EndpointSegment("users", false), new EndpointSegment("id", true), new EndpointSegment("orders", false)],
            template.Segments);
    }

    [Fact]
    public void Parse_PlainPath_MeansAnyMethod()
    {
        var template = EndpointTemplate.Parse("/health");

        Assert.True(template.AnyMethod);
        Assert.Empty(template.Methods);
        Assert.True(template.AllowsMethod("DELETE"));
    }

    [Fact]
    public void Parse_Root_HasNoSegments()
    {
        Assert.Empty(EndpointTemplate.Parse("GET /").Segments);
    }

    [Theory]
    [InlineData("GET", true)]
    [InlineData("POST", true)]
    [InlineData("get", false)]
    [InlineData("PUT", false)]
    [InlineData("", false)]
    public void AllowsMethod_RestrictedTemplate_ComparesExactly(string method, bool allowed)
    {
        Assert.Equal(allowed, EndpointTemplate.Parse("GET,POST /a").AllowsMethod(method));
    }

    [Theory]
    [InlineData("get /a", "names the method 'get', which must be upper case")]
    [InlineData("FETCH /a", "names the method 'FETCH', which is not one of GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS")]
    [InlineData("GET,GET /a", "names the method 'GET' more than once")]
    [InlineData("GET  /a", "must separate its methods from its path with exactly one space")]
    [InlineData("/a/", "must not end with '/' (the gateway refuses a trailing slash as an empty segment)")]
    [InlineData("/a//b", "must not contain an empty segment ('//')")]
    [InlineData("/a/{id}/{id}", "names the parameter '{id}' more than once")]
    [InlineData("/a/{*rest}", "must not contain a catch-all parameter ('{*...}'): a parameter matches exactly one segment")]
    [InlineData("/a%2Fb", "must not contain percent-encoding (a request's encoded segment is matched by a {parameter})")]
    public void TryParse_BadTemplate_SaysWhy(string value, string problem)
    {
        Assert.False(EndpointTemplate.TryParse(value, out var template, out var actual));
        Assert.Null(template);
        Assert.Equal(problem, actual);
    }

    [Fact]
    public void Parse_BadTemplate_ThrowsFormatException()
    {
        Assert.Throws<FormatException>(() => EndpointTemplate.Parse("/a/"));
    }

    [Fact]
    public void Validate_BadEndpoint_ErrorNamesTheEndpointAndTheProblem()
    {
        var json = ManifestFixtures.Edit(ManifestFixtures.ClaimsGateway, ("endpoints", "{\"user_info\":\"get /api/users/{id}\"}"));

        var error = Assert.Single(ManifestValidator.Validate(json).Errors);

        Assert.Equal("$.endpoints.user_info", error.Path);
        Assert.Equal("The endpoint 'user_info' names the method 'get', which must be upper case.", error.Message);
    }
}
