namespace Fabrix.Contracts.Manifests;

/// <summary>
/// One finding of manifest validation: where it is (a JSON path such as
/// <c>$.security.data_classification[1]</c>, or <c>$['weird key']</c> for keys that are not identifiers)
/// and what is wrong, in plain English.
/// </summary>
/// <param name="Path">JSON path of the offending value; <c>$</c> is the whole document.</param>
/// <param name="Message">Plain-English explanation, readable without the path.</param>
public sealed record ManifestIssue(string Path, string Message);
