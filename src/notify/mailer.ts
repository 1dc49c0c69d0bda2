import nodemailer from 'nodemailer';

type OutgoingMail = {
  fromName: string;
  fromAddress: string;
  replyTo?: string;
  to: string[];
  cc: string[];
  subject: string;
  html: string;
  text: string;
  /** One-click opt-out (RFC 8058) for this recipient; reminders always carry one. */
  unsubscribeUrl?: string;
  /** Files sent with the message (agency case files). */
  attachments?: { filename: string; content: string; contentType: string }[];
  /** Stable per reminder: the same message is never two different messages. */
  idempotencyKey: string;
};

type SendOutcome = { status: 'sent' | 'captured'; providerMessageId: string | null };

/**
 * A failed send. `permanent` (5xx) is a bounce. `notSent` says the message certainly did not
 * leave (the server refused it, or the connection failed before the message was handed over),
 * so it may be sent again; otherwise (a connection dropped during DATA) nobody can know.
 */
export class MailError extends Error {
  constructor(
    message: string,
    readonly permanent: boolean,
    readonly responseCode?: number,
    readonly notSent: boolean = true,
  ) {
    super(message);
    this.name = 'MailError';
  }
}

/**
 * Whether a failed send certainly handed nothing over: the server answered with a refusal, the
 * connection could not be made, or the server's name did not resolve. nodemailer reports a
 * connection closed at any later point the same way ('ECONNECTION', command 'CONN') whether it
 * happened before the message or after it, so that counts as unknown.
 */
function certainlyNotSent(err: { responseCode?: number; code?: string; syscall?: string }): boolean {
  return (
    typeof err.responseCode === 'number' || (err.code === 'ESOCKET' && err.syscall === 'connect') || err.code === 'EDNS'
  );
}

export type Mailer = { readonly kind: 'smtp' | 'capture'; send(mail: OutgoingMail): Promise<SendOutcome> };

/**
 * The embedded default: nothing leaves the machine; the message is stored as `captured` in the
 * outbox (the message table) and shown there, so a new user sees exactly what would be sent.
 */
export const captureMailer: Mailer = {
  kind: 'capture',
  send: async () => ({ status: 'captured', providerMessageId: null }),
};

/** nodemailer over SMTP (`smtp://user:pass@host:587`, `smtps://…`). */
export function smtpMailer(url: string): Mailer {
  const transport = nodemailer.createTransport(url);
  return {
    kind: 'smtp',
    async send(mail) {
      try {
        const info = await transport.sendMail({
          from: { name: mail.fromName, address: mail.fromAddress },
          replyTo: mail.replyTo,
          to: mail.to,
          cc: mail.cc.length ? mail.cc : undefined,
          subject: mail.subject,
          text: mail.text,
          html: mail.html,
          // A fixed Message-ID per reminder lets a receiving server or a later audit tie a
          // retried message to the first; SMTP itself has no idempotency key.
          messageId: `<${mail.idempotencyKey}@overdue.invalid>`,
          attachments: mail.attachments,
          headers: {
            ...(mail.unsubscribeUrl
              ? {
                  'List-Unsubscribe': `<${mail.unsubscribeUrl}>`,
                  'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
                }
              : {}),
            'X-Overdue-Reminder': mail.idempotencyKey,
          },
        });
        return { status: 'sent', providerMessageId: info.messageId ?? null };
      } catch (err) {
        const e = err as { responseCode?: number; code?: string; syscall?: string };
        throw new MailError(
          (err as Error).message.slice(0, 300),
          typeof e.responseCode === 'number' && e.responseCode >= 500,
          e.responseCode,
          certainlyNotSent(e),
        );
      }
    },
  };
}

export const mailerFor = (smtp: { url: string } | undefined): Mailer => (smtp ? smtpMailer(smtp.url) : captureMailer);
