/*
 * webhook.h — the sender of the webhook outbox (SPEC section 10, domain/notify.h): with
 * `serve --notify-url URL` it posts each due notification to the group robot's URL (企业微信,
 * 钉钉: {"msgtype":"text","text":{"content":...}}) and records the outcome, so that what was
 * not taken is tried again, with back-off, also after a restart.
 */
#ifndef LEDGER_WEBHOOK_H
#define LEDGER_WEBHOOK_H

/* How often the sender looks for what is due (seconds). */
#define WEBHOOK_EVERY_S 2

/* The URL to post to (copied); once, before the server starts. */
void webhook_configure(const char *url);
/* One pass: every item due now, posted in order (the server's second ticker calls it). */
void webhook_pass(void);
/* libcurl's global state, for the process (main). */
void webhook_global_init(void);
void webhook_global_cleanup(void);

#endif
