// The words of the board page (see i18n.js).

export default {
  en: {
    "board.subtitle": "live board",
  },
  de: {
    "board.subtitle": "Live-Übersicht",
  },
  ru: {
    "board.subtitle": "табло",
  },
};
