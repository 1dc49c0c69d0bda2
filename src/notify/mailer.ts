import nodemailer from 'nodemailer';

export type OutgoingMail = {
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

export type SendOutcome = { status: 'sent' | 'captured'; providerMessageId: string | null };

/** A refusal by the mail server; `permanent` (5xx) is a bounce, otherwise it may be retried. */
export class MailError extends Error {
  constructor(
    message: string,
    readonly permanent: boolean,
    readonly responseCode?: number,
  ) {
    super(message);
    this.name = 'MailError';
  }
}

export type Mailer = { readonly kind: 'smtp' | 'capture'; send(mail: OutgoingMail): Promise<SendOutcome> };

/**
 * The embedded default: nothing leaves the machine; the message is stored as `captured` in the
 * outbox (the message table) and shown there, so a new user sees exactly what would be sent.
 */
export const captureMailer: Mailer = { kind: 'capture', send: async () => ({ status: 'captured', providerMessageId: null }) };

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
            ...(mail.unsubscribeUrl ? { 'List-Unsubscribe': `<${mail.unsubscribeUrl}>`, 'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click' } : {}),
            'X-Overdue-Reminder': mail.idempotencyKey,
          },
        });
        return { status: 'sent', providerMessageId: info.messageId ?? null };
      } catch (err) {
        const code = (err as { responseCode?: number }).responseCode;
        throw new MailError((err as Error).message.slice(0, 300), typeof code === 'number' && code >= 500, code);
      }
    },
  };
}

export const mailerFor = (smtp: { url: string } | undefined): Mailer => (smtp ? smtpMailer(smtp.url) : captureMailer);
