using System.Diagnostics.CodeAnalysis;

// "Operator" is a Visual Basic keyword; the namespace names the Operator lane (ARCHITECTURE.md "The three lanes") and
// is consumed from C# only.
[assembly: SuppressMessage("Naming", "CA1716:Identifiers should not match keywords", Justification = "The Operator lane's name; C# consumers only.", Scope = "namespace", Target = "~N:Fabrix.Core.Lanes.Operator")]
