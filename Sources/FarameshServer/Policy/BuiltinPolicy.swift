/// The policy used when no policy file is configured and `policies/default.yaml` does not exist:
/// HTTP GET allowed, shell held for approval, everything else denied.
enum BuiltinPolicy {
    static let source = "builtin-default.yaml"
    static let defaultPath = "policies/default.yaml"

    static let yaml = """
        version: builtin-default
        description: Built-in safe default policy (no policy file configured)
        rules:
          - name: allow-http-get
            match:
              tool: http
              op: get
            allow: true
            description: Allow HTTP GET requests
            risk: low
          - name: shell-requires-approval
            match:
              tool: shell
              op: "*"
            require_approval: true
            description: Shell commands require approval
            risk: medium
          - name: default-deny
            match:
              tool: "*"
              op: "*"
            deny: true
            description: Default deny rule
            risk: high
        """
}
