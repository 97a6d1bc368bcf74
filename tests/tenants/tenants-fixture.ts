/** The tenants file of the integration tests: the Google / Microsoft / internal-employee example. */
export const GOOGLE_TOKEN = 'google-jira-token-7f3a9c1e5b';
export const MICROSOFT_TOKEN = 'microsoft-jira-token-2d8e4b6a0c';

export const JOHN = 'john@company.example';
export const SAM = 'sam@google.example';
export const MIA = 'mia@microsoft.example';
export const NOBODY = 'nobody@elsewhere.example';
export const OPS = 'ops@company.example';

export const TENANTS_YAML = `
admins: ["ops@company.example"]
default_tenant: null
tenants:
  - id: google
    name: Google
    members: ["*@google.example", "John@Company.example"]
    tools: [basic_math, sql_query]
    data_sources: [sales]
    system_prompt: "You are assisting Google staff."
    credentials: { JIRA_TOKEN: "\${GOOGLE_JIRA_TOKEN}" }
  - id: microsoft
    name: Microsoft
    members: ["*@microsoft.example", "john@company.example"]
    tools: [basic_math, user_lookup]
    data_sources: [directory]
    system_prompt: "You are assisting Microsoft staff."
    credentials: { JIRA_TOKEN: "\${MICROSOFT_JIRA_TOKEN}", FAKE_KEY: "\${MICROSOFT_MODEL_KEY}" }
  - id: smallco
    name: Small Company
    members: ["*@small.example"]
    tools: [basic_math]
    data_sources: []
`;

/** Microsoft pays for its own model calls: the fake model's `api_key: ${FAKE_KEY}` takes this key in its chats. */
export const MICROSOFT_MODEL_KEY = 'sk-microsoft-own-provider-key-4411';

export const TENANT_ENV = { GOOGLE_JIRA_TOKEN: GOOGLE_TOKEN, MICROSOFT_JIRA_TOKEN: MICROSOFT_TOKEN, MICROSOFT_MODEL_KEY };
