import type { SendBilling } from "../transport.js";

/**
 * What a send did to billing, from every copy's report: the copy that settled (a seller's
 * response settles on the copy that reached the reserving buyer, Bcc or not), else the copy that
 * reserved (a buyer's request reserves on the copy that reached the seller), else the primary's
 * report, else the first copy's that has one. Absent when no copy's transport said anything.
 *
 * @example
 * sendBillingOf([{ linked: true, marketplace: { status: "not_settled" } }, { linked: true, marketplace: { status: "settled", charge: 2 } }]);
 * // { linked: true, marketplace: { status: "settled", charge: 2 } }
 */
export function sendBillingOf(
  reports: readonly (SendBilling | undefined)[],
): SendBilling | undefined {
  const withStatus = (status: string) =>
    reports.find((report) => report?.linked === true && report.marketplace?.status === status);
  return (
    withStatus("settled") ??
    withStatus("reserved") ??
    reports[0] ??
    reports.find((report) => report !== undefined)
  );
}
