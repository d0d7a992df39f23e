/** @module The enrolment QR code as an SVG document (no script, no inline event handler): `qrcode`'s SVG renderer. */
import QRCode from 'qrcode';

export function qrCodeSvg(text: string): Promise<string> {
  return QRCode.toString(text, { type: 'svg', errorCorrectionLevel: 'M', margin: 2 });
}
