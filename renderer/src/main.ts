import { ensureBerthBridge } from '@berth/web-client';
import { createPinia } from 'pinia';
import { createApp } from 'vue';
import '@xterm/xterm/css/xterm.css';
import App from './App.vue';
import { i18n } from './i18n';
import { createAppRouter } from './router';
import './styles/base.css';
import { installTheme } from './theme/theme';

// window.berth: the preload's in Electron, a WebSocket bridge in web mode — the same contract.
ensureBerthBridge();
installTheme();
createApp(App).use(createPinia()).use(createAppRouter()).use(i18n).mount('#app');
