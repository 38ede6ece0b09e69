/** The token secret the workerd tests run with; real secrets come from .dev.vars or `wrangler secret`. */
export const TEST_TOKEN_SECRET = "test-secret-test-secret-test-secret-0123456789";
