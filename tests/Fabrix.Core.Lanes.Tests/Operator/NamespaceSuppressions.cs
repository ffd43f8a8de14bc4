using System.Diagnostics.CodeAnalysis;

// "Operator" is a Visual Basic keyword; the namespace mirrors Core.Lanes/Operator (the Operator lane).
[assembly: SuppressMessage("Naming", "CA1716:Identifiers should not match keywords", Justification = "Mirrors the Operator lane's folder.", Scope = "namespace", Target = "~N:Fabrix.Core.Lanes.Tests.Operator")]
